using EventPoll.Tests.Rules;
using Xunit;

namespace EventPoll.Tests.Misuse;

/// <summary>
/// Issue 12, finding 5: an <see cref="EpollException"/> says what was wrong: the errno name, the rule broken, then
/// the call and the descriptor at fault. <see cref="EpollException.Errno"/> is the kernel's errno as before.
/// </summary>
public class ErrorMessageMisuseTests
{
    private readonly World _w = new();

    [Fact]
    public void WaitWithAnEmptyBuffer_SaysTheBufferIsEmpty()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        EpollException e = Assert.Throws<EpollException>(() => epoll.Wait(Span<EpollEvent>.Empty, 0));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Equal($"EINVAL: the events buffer is empty: it must hold at least one event (epoll_wait, fd {epoll.Fd})", e.Message);
        Assert.Equal(Errno.EINVAL, Assert.Throws<EpollException>(() => epoll.WaitAsync(Memory<EpollEvent>.Empty)).Errno);
    }

    [Fact]
    public void AnInstanceWatchingItself_SaysSo()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        EpollException e = Assert.Throws<EpollException>(() => epoll.Add(epoll, EpollEvents.In));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Equal($"EINVAL: an epoll instance cannot watch itself (epoll_ctl ADD, fd {epoll.Fd})", e.Message);
    }

    [Fact]
    public void ExclusiveWithOneShot_NamesTheRefusedFlag()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        using var target = new EventFd(table: _w.Table);
        EpollException e = Assert.Throws<EpollException>(() => epoll.Add(target, EpollEvents.In | EpollEvents.Exclusive | EpollEvents.OneShot));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.StartsWith("EINVAL: EPOLLEXCLUSIVE cannot be combined with EPOLLONESHOT;", e.Message);
        Assert.EndsWith($"(epoll_ctl ADD, fd {target.Fd})", e.Message);
    }

    [Fact]
    public void ModifyingAnExclusiveRegistration_AndSettingExclusiveByMod_SaySo()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        using var target = new EventFd(table: _w.Table);
        Assert.Contains("EPOLL_CTL_MOD cannot set EPOLLEXCLUSIVE",
            Assert.Throws<EpollException>(() => epoll.Modify(target, EpollEvents.In | EpollEvents.Exclusive)).Message);
        epoll.Add(target, EpollEvents.In | EpollEvents.Exclusive);
        Assert.Contains("a registration made with EPOLLEXCLUSIVE cannot be modified",
            Assert.Throws<EpollException>(() => epoll.Modify(target, EpollEvents.In)).Message);
    }

    [Fact]
    public void SignallingTwoToTheSixtyFourMinusOne_SaysThatValueIsRefused()
    {
        using var efd = new EventFd(table: _w.Table);
        EpollException e = Assert.Throws<EpollException>(() => efd.Signal(ulong.MaxValue));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Equal($"EINVAL: an eventfd cannot be signalled with 0xffffffffffffffff (2^64-1) (write, fd {efd.Fd})", e.Message);
    }

    [Fact]
    public void AShortEventFdRead_SaysItNeedsEightBytes()
    {
        using var efd = new EventFd(1, table: _w.Table);
        EpollException e = Assert.Throws<EpollException>(() => efd.Read(new byte[4]));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Equal($"EINVAL: an eventfd read needs a buffer of at least 8 bytes, got 4 (read, fd {efd.Fd})", e.Message);
    }

    [Fact]
    public void WrongDirectionPipeCalls_SayTheEndIsNotOpenForThat()
    {
        (DescriptorHandle reader, DescriptorHandle writer) = Pipe.Create(_w.Table);
        using (reader)
        using (writer)
        {
            EpollException read = Assert.Throws<EpollException>(() => writer.Read(new byte[1]));
            Assert.Equal(Errno.EBADF, read.Errno);
            Assert.Equal($"EBADF: the descriptor is not open for reading: it is a pipe's write end (read, fd {writer.Fd})", read.Message);
            EpollException write = Assert.Throws<EpollException>(() => reader.Write("x"u8));
            Assert.Equal(Errno.EBADF, write.Errno);
            Assert.Equal($"EBADF: the descriptor is not open for writing: it is a pipe's read end (write, fd {reader.Fd})", write.Message);
        }
    }

    [Fact]
    public void AnEventFdInitialValueBeyond32Bits_IsEinval_AsEventfd2CannotExpressIt()
    {
        EpollException e = Assert.Throws<EpollException>(() => new EventFd(1ul << 32, table: _w.Table));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains("must fit in 32 bits", e.Message);
        Assert.Empty(_w.Table.OpenDescriptors()); // nothing was installed
        using var largest = new EventFd(uint.MaxValue, table: _w.Table);
        Assert.Equal(uint.MaxValue, largest.Consume());
    }

    [Fact]
    public void AReasonRecordedThroughPosix_NeverLeaksIntoALaterHandleError()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        Assert.Equal(-1, _w.Px.EpollCtl(epoll.Fd, Posix.EPOLL_CTL_ADD, epoll.Fd, new EpollEvent(EpollEvents.In, 0))); // EINVAL: self
        using var target = new EventFd(table: _w.Table);
        EpollException e = Assert.Throws<EpollException>(() => epoll.Add(target, EpollEvents.In | EpollEvents.Exclusive | EpollEvents.OneShot));
        Assert.DoesNotContain("itself", e.Message);
    }

    [Fact]
    public void EveryMessage_StartsWithTheErrnoName_AndEndsWithTheCall()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        using var target = new EventFd(table: _w.Table);
        var failures = new (Errno Errno, Action Call)[]
        {
            (Errno.ENOENT, () => epoll.Delete(target)),
            (Errno.ENOENT, () => epoll.Modify(target, EpollEvents.In)),
            (Errno.EEXIST, () => { epoll.Add(target, EpollEvents.In); epoll.Add(target, EpollEvents.In); }),
            (Errno.EBADF, () => epoll.Add(999, EpollEvents.In)),
            (Errno.EAGAIN, () => target.Consume()),
            (Errno.EPERM, () => { using var file = new MemoryFile(table: _w.Table); epoll.Add(file, EpollEvents.In); }),
        };
        foreach ((Errno errno, Action call) in failures)
        {
            EpollException e = Assert.Throws<EpollException>(call);
            Assert.Equal(errno, e.Errno);
            Assert.StartsWith($"{errno}: ", e.Message);
            Assert.Matches(@"\((epoll_ctl (ADD|MOD|DEL)|read), fd \d+\)$", e.Message);
        }
    }
}

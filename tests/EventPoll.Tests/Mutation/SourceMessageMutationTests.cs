using EventPoll.Tests.Rules;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The sentences the sources record for their EINVAL answers, which <see cref="EpollException"/> carries to the caller:
/// each names the call that was refused. Mutation testing found them unpinned (an emptied call name survived).
/// </summary>
public class SourceMessageMutationTests
{
    private readonly World _w = new();

    [Fact]
    public void AShortEventFdWrite_SaysItIsAWriteThatNeedsEightBytes()
    {
        using var efd = new EventFd(table: _w.Table);
        EpollException e = Assert.Throws<EpollException>(() => efd.Write(new byte[7]));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Equal($"EINVAL: an eventfd write needs a buffer of at least 8 bytes, got 7 (write, fd {efd.Fd})", e.Message);
    }

    [Fact]
    public void ANegativeTimerValue_SaysTimerValuesCannotBeNegative()
    {
        using var timer = new TimerFd(_w.Table);
        EpollException e = Assert.Throws<EpollException>(() => timer.SetTime(TimeSpan.FromTicks(-1)));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Equal($"EINVAL: timer values cannot be negative (timerfd_settime, fd {timer.Fd})", e.Message);
    }

    [Fact]
    public void AShortTimerFdRead_SaysItIsATimerFdReadThatNeedsEightBytes()
    {
        using var timer = new TimerFd(_w.Table);
        EpollException e = Assert.Throws<EpollException>(() => timer.Read(new byte[4]));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Equal($"EINVAL: a timerfd read needs a buffer of at least 8 bytes, got 4 (read, fd {timer.Fd})", e.Message);
    }

    [Fact]
    public void AWriteAfterShutdownForWriting_SaysTheSocketIsShutDownForWriting()
    {
        (SocketHandle a, SocketHandle b) = UnixSocketPair.Create(_w.Table);
        using (a)
        using (b)
        {
            a.Shutdown(SocketShutdown.Write);
            EpollException e = Assert.Throws<EpollException>(() => a.Write("x"u8));
            Assert.Equal(Errno.EPIPE, e.Errno);
            Assert.Equal($"EPIPE: the socket is shut down for writing (write, fd {a.Fd})", e.Message);
        }
    }

    [Fact]
    public void AShutdownWithAnUnknownHow_NamesTheThreeItTakes()
    {
        (SocketHandle a, SocketHandle b) = UnixSocketPair.Create(_w.Table);
        using (a)
        using (b)
        {
            EpollException e = Assert.Throws<EpollException>(() => a.Shutdown((SocketShutdown)3));
            Assert.Equal(Errno.EINVAL, e.Errno);
            Assert.Equal($"EINVAL: how is 3, not SHUT_RD (0), SHUT_WR (1) or SHUT_RDWR (2) (shutdown, fd {a.Fd})", e.Message);
        }
    }
}

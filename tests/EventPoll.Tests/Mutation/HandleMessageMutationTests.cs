using System.Buffers;
using System.Runtime.InteropServices;
using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The end of a handle's refusal: the system call it stands for and the descriptor at fault, which
/// <see cref="EpollException"/> puts after the recorded sentence. Mutation testing found each call name unpinned (an
/// emptied name, or the "no descriptor" -1 turned into +1, survived): the tests asserted the errno alone.
/// </summary>
public class HandleMessageMutationTests
{
    private const string Full = "EMFILE: no descriptor number below the table's limit (1) is free";

    // Every creating call's name ("epoll_create1", "eventfd", ... emptied), and no descriptor named (-1 to +1).
    [Fact]
    public void EveryCreatingCall_AtTheLimit_NamesItselfAndNoDescriptor()
    {
        var table = new DescriptorTable(limit: 1);
        using var only = new EventFd(table: table);
        Refusal.Assert(Errno.EMFILE, $"{Full} (epoll_create1)", () => new Epoll(table));
        Refusal.Assert(Errno.EMFILE, $"{Full} (eventfd)", () => new EventFd(table: table));
        Refusal.Assert(Errno.EMFILE, $"{Full} (timerfd_create)", () => new TimerFd(table));
        Refusal.Assert(Errno.EMFILE, $"{Full} (open)", () => new MemoryFile(table: table));
        Refusal.Assert(Errno.EMFILE, $"{Full} (open)", () => DescriptorHandle.Open(new FakeFile(), table));
        Refusal.Assert(Errno.EMFILE, $"{Full} (pipe2)", () => Pipe.Create(table));
        Refusal.Assert(Errno.EMFILE, $"{Full} (socketpair)", () => UnixSocketPair.Create(table));
        Refusal.Assert(Errno.EMFILE, $"{Full} (dup, fd {only.Fd})", () => only.Duplicate());
    }

    // TryRead's "read" emptied (TryWrite's "write" beside it): a failure other than EAGAIN is thrown, naming the call.
    [Fact]
    public void TryReadAndTryWrite_ThrowAnythingButEagain_NamingTheCall()
    {
        (DescriptorHandle reader, DescriptorHandle writer) = Pipe.Create(new DescriptorTable(limit: 2));
        using (reader)
        using (writer)
        {
            Refusal.Assert(Errno.EBADF, $"EBADF: the descriptor is not open for reading: it is a pipe's write end (read, fd {writer.Fd})",
                () => writer.TryRead(new byte[1], out _));
            Refusal.Assert(Errno.EBADF, $"EBADF: the descriptor is not open for writing: it is a pipe's read end (write, fd {reader.Fd})",
                () => reader.TryWrite("x"u8, out _));
        }
    }

    // PipeBuffer.Write's EPIPE sentence emptied: only its errno was asserted (Sources/PipeTests).
    [Fact]
    public void AWriteToAPipeWhoseReaderIsClosed_IsEpipe_SayingNoReaderIsLeft()
    {
        (DescriptorHandle reader, DescriptorHandle writer) = Pipe.Create(new DescriptorTable(limit: 2));
        reader.Dispose();
        using (writer)
        {
            Refusal.Assert(Errno.EPIPE, $"EPIPE: the pipe has no reader left (write, fd {writer.Fd})", () => writer.Write("x"u8));
        }
    }

    // Signal's refusal at the counter's maximum had no coverage (the throw removed; its message emptied).
    [Fact]
    public void SignalPastTheMaximum_IsEagain_SayingTheCounterMustBeReadFirst()
    {
        using var efd = new EventFd(table: new DescriptorTable(limit: 1));
        efd.Signal(ulong.MaxValue - 1); // 2^64-2, the largest count
        Refusal.Assert(Errno.EAGAIN, $"EAGAIN: the counter would pass its maximum, 2^64-2, until it is read (write, fd {efd.Fd})",
            () => efd.Signal());
        Assert.Equal(ulong.MaxValue - 1, efd.Consume());
    }

    // GetFdInfo's "fdinfo" emptied: its number closed through the POSIX face (mixing faces is the caller's business).
    [Fact]
    public void GetFdInfo_OfANumberClosedBehindTheHandle_SaysItIsNotOpen()
    {
        var px = new Posix(new DescriptorTable(limit: 4));
        using var epoll = new Epoll(px.Table);
        Assert.Equal(0, px.Close(epoll.Fd));
        Refusal.Assert(Errno.EBADF, $"EBADF: the descriptor is not open (fdinfo, fd {epoll.Fd})", () => epoll.GetFdInfo());
    }

    // Wait's refusal of a buffer above EP_MAX_EVENTS had no coverage: its errno (-result to +result) and "epoll_wait".
    [Fact]
    public void Wait_OnABufferAboveTheMaximum_IsEinval_BeforeItTouchesTheBuffer()
    {
        using var epoll = new Epoll(new DescriptorTable(limit: 1));
        Refusal.Assert(Errno.EINVAL, MaxEventsRefusal(epoll), () =>
        {
            var one = new EpollEvent[1];
            // A span longer than its memory: the call refuses its length before it reads or writes an element (and with
            // nothing registered, no wait could write one).
            epoll.Wait(MemoryMarshal.CreateSpan(ref one[0], Eventpoll.MaxEvents + 1), 0);
        });
    }

    // WaitAsync's own check of the buffer (removed, `>` to `>=`, "epoll_wait" emptied).
    [Fact]
    public async Task WaitAsync_TakesABufferOfTheMaximum_AndRefusesOneMore()
    {
        using var epoll = new Epoll(new DescriptorTable(limit: 1));
        using var largest = new LongMemory(Eventpoll.MaxEvents);
        Assert.Equal(0, await epoll.WaitAsync(largest.Memory, TimeSpan.Zero)); // nothing ready: no event written
        using var tooLong = new LongMemory(Eventpoll.MaxEvents + 1);
        Refusal.Assert(Errno.EINVAL, MaxEventsRefusal(epoll), () => epoll.WaitAsync(tooLong.Memory, TimeSpan.Zero));
    }

    private static string MaxEventsRefusal(Epoll epoll)
        => $"EINVAL: maxevents must be between 1 and {Eventpoll.MaxEvents}, got {Eventpoll.MaxEvents + 1} (epoll_wait, fd {epoll.Fd})";

    /// <summary>
    /// A <see cref="Memory{T}"/> of any length over one real event: only its length is read unless an event is written,
    /// and then <see cref="Memory{T}.Span"/> throws (it checks the length against this memory), never writes past it.
    /// </summary>
    private sealed class LongMemory(int length) : MemoryManager<EpollEvent>
    {
        private readonly EpollEvent[] _one = new EpollEvent[1];

        public override Memory<EpollEvent> Memory => CreateMemory(length);

        public override Span<EpollEvent> GetSpan() => _one;

        public override MemoryHandle Pin(int elementIndex = 0) => throw new NotSupportedException();

        public override void Unpin() => throw new NotSupportedException();

        protected override void Dispose(bool disposing) { }
    }
}

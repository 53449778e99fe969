using EventPoll.Tests.Rules;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The sentences the sources record for their errors, which <see cref="EpollException"/> carries to the caller: each
/// names the rule and the call refused. Mutation testing found them unpinned (an emptied sentence or call name survived).
/// </summary>
public class SourceMessageMutationTests
{
    private readonly World _w = new();

    [Fact]
    public void AShortEventFdWrite_SaysItIsAWriteThatNeedsEightBytes()
    {
        using var efd = new EventFd(table: _w.Table);
        Refusal.Assert(Errno.EINVAL, $"EINVAL: an eventfd write needs a buffer of at least 8 bytes, got 7 (write, fd {efd.Fd})",
            () => efd.Write(new byte[7]));
    }

    [Fact]
    public void ANegativeTimerValue_SaysTimerValuesCannotBeNegative()
    {
        using var timer = new TimerFd(_w.Table);
        Refusal.Assert(Errno.EINVAL, $"EINVAL: timer values cannot be negative (timerfd_settime, fd {timer.Fd})",
            () => timer.SetTime(TimeSpan.FromTicks(-1)));
    }

    [Fact]
    public void AShortTimerFdRead_SaysItIsATimerFdReadThatNeedsEightBytes()
    {
        using var timer = new TimerFd(_w.Table);
        Refusal.Assert(Errno.EINVAL, $"EINVAL: a timerfd read needs a buffer of at least 8 bytes, got 4 (read, fd {timer.Fd})",
            () => timer.Read(new byte[4]));
    }

    [Fact]
    public void AWriteAfterShutdownForWriting_SaysTheSocketIsShutDownForWriting()
    {
        using var pair = new SocketPair(_w.Table);
        pair.A.Shutdown(SocketShutdown.Write);
        Refusal.Assert(Errno.EPIPE, $"EPIPE: the socket is shut down for writing (write, fd {pair.A.Fd})", () => pair.A.Write("x"u8));
    }

    [Fact]
    public void AShutdownWithAnUnknownHow_NamesTheThreeItTakes()
    {
        using var pair = new SocketPair(_w.Table);
        Refusal.Assert(Errno.EINVAL, $"EINVAL: how is 3, not SHUT_RD (0), SHUT_WR (1) or SHUT_RDWR (2) (shutdown, fd {pair.A.Fd})",
            () => pair.A.Shutdown((SocketShutdown)3));
    }
}

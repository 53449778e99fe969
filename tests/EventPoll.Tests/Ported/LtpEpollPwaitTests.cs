using EventPoll.Tests.Support;
using System.Diagnostics;
using Xunit;
using static EventPoll.Tests.Ported.PortedSupport;

namespace EventPoll.Tests.Ported;

/// <summary>
/// Ports of LTP testcases/kernel/syscalls/epoll_pwait/epoll_pwait0[1-6].c. The "pwait" variant is
/// <see cref="Posix.EpollWait(int, Span{EpollEvent}, int, int, CancellationToken)"/> (millisecond timeout); the
/// "pwait2" variant takes a <see cref="TimeSpan"/> (<see cref="Posix.EpollPwait2"/>, or
/// <see cref="Epoll.Wait(Span{EpollEvent}, TimeSpan, CancellationToken)"/> where a signal is needed). A signal is a
/// cancellation; a signal blocked by the sigmask is one the wait does not observe. The cases run with both kinds of
/// source: table descriptors (<see cref="LtpEpollPwaitTests"/>) and OS descriptors (<see cref="Os.LtpEpollPwaitOsTests"/>).
/// </summary>
public abstract class LtpEpollPwaitCases : LtpTestBase
{
    public enum Variant
    {
        Pwait,
        Pwait2,
    }

    /// <summary>An instance watching the first end of a new socket pair for EPOLLIN.</summary>
    private (Epoll Ep, int Efd, int[] Sfd) SetupSocketInstance()
    {
        int[] sfd = NewSocketPair();
        var ep = new Epoll(Table);
        Assert.True(Ctl(ep.Fd, Posix.EPOLL_CTL_ADD, sfd[0], new EpollEvent(EpollEvents.In, 0)) == 0, $"epoll_ctl failed: {LastErrno}");
        return (ep, ep.Fd, sfd);
    }

    /// <summary>Waits with no timeout (NULL timespec / -1), observing <paramref name="signal"/>; returns the result and errno.</summary>
    private (int Result, Errno Errno) DoEpollPwait(Variant variant, Epoll ep, CancellationToken signal)
    {
        var events = new EpollEvent[1];
        if (variant == Variant.Pwait)
        {
            int r = Px.EpollWait(ep.Fd, events, 1, -1, signal);
            return (r, r < 0 ? Posix.Errno : Errno.None);
        }
        try
        {
            return (ep.Wait(events, Timeout.InfiniteTimeSpan, signal), Errno.None);
        }
        catch (EpollException e)
        {
            return (-1, e.Errno);
        }
        catch (OperationCanceledException) // the handle API's EINTR
        {
            return (-1, Errno.EINTR);
        }
    }

    /// <summary>
    /// The signal is sent while the wait sleeps, and the wait's sigmask blocks it: the wait goes on and returns the
    /// event written afterwards. The library has no signal masks (docs/porting-c.md): a wait observes the signals whose
    /// tokens it is given, so a mask is the caller leaving a token out. What the library must then get right is that a
    /// signal ends only the waits that observe it: here a second thread, whose mask lets the signal through, sleeps on
    /// the same instance ahead of the masked one. The signal ends that thread's wait with EINTR; the masked wait must
    /// stay asleep through it (a cancelled waiter that left its place in the queue, or took the masked one's, would
    /// leave it asleep or wake it empty-handed) and must still be woken by the write.
    /// </summary>
    [Theory]
    [InlineData(Variant.Pwait)]
    [InlineData(Variant.Pwait2)]
    public async Task Ltp_epoll_pwait01_sigmask_blocks_signal(Variant variant)
    {
        (Epoll ep, int efd, int[] sfd) = SetupSocketInstance();
        Eventpoll instance = EngineOf(Table, efd);
        using var signal = new CancellationTokenSource(); // SIGUSR1
        Task<(int, Errno)> unmasked = RunThread(() => DoEpollPwait(variant, ep, Observed(signal, masked: false)));
        await WaitUntilBlocked(instance, 1, unmasked);
        Task<(int, Errno)> masked = RunThread(() => DoEpollPwait(variant, ep, Observed(signal, masked: true)));
        await WaitUntilBlocked(instance, 2, unmasked, masked);

        await signal.CancelAsync();
        Assert.Equal((-1, Errno.EINTR), await Bounded.Within(unmasked, "the signal did not end the wait that observes it"));
        await WaitUntilBlocked(instance, 1, masked); // still asleep after the signal
        Assert.Equal(1, Write(sfd[1], "w"u8));
        (int result, _) = await Bounded.Within(masked, "the masked wait was not woken by the write");
        Assert.Equal(1, result);
        Assert.Equal(1, Read(sfd[0], new byte[1]));
    }

    /// <summary>The token a wait observes for <paramref name="signal"/>: none when the wait's sigmask blocks it.</summary>
    private static CancellationToken Observed(CancellationTokenSource signal, bool masked) => masked ? CancellationToken.None : signal.Token;

    [Theory]
    [InlineData(Variant.Pwait)]
    [InlineData(Variant.Pwait2)]
    public async Task Ltp_epoll_pwait01_no_sigmask_EINTR(Variant variant)
    {
        (Epoll ep, int efd, _) = SetupSocketInstance();
        using var signal = new CancellationTokenSource();
        Task<(int, Errno)> waiter = RunThread(() => DoEpollPwait(variant, ep, signal.Token));
        await WaitUntilBlocked(EngineOf(Table, efd), 1, waiter);
        await signal.CancelAsync();
        (int result, Errno errno) = await Bounded.Within(waiter, "the signal did not end the wait");
        Assert.Equal(-1, result);
        Assert.Equal(Errno.EINTR, errno);
    }

    [Theory]
    [InlineData(Variant.Pwait)]
    [InlineData(Variant.Pwait2)]
    public void Ltp_epoll_pwait02_ready_socket(Variant variant)
    {
        (_, int efd, int[] sfd) = SetupSocketInstance();
        Assert.Equal(1, Write(sfd[1], "w"u8));
        var e = new EpollEvent[1];
        int result = Bounded.Call(() => variant == Variant.Pwait ? Px.EpollWait(efd, e, 1, -1) : Px.EpollPwait2(efd, e, 1, null),
            "epoll_pwait with no timeout did not return the ready socket");
        Assert.Equal(1, result);
    }

    /// <summary>Timeout accuracy: the lower bound of LTP's sampling (pwait rounds the timespec up to ms).</summary>
    [Theory]
    [InlineData(Variant.Pwait, 20)]
    [InlineData(Variant.Pwait, 50)]
    [InlineData(Variant.Pwait2, 20)]
    [InlineData(Variant.Pwait2, 50)]
    public void Ltp_epoll_pwait03_timeout(Variant variant, int timeoutMs)
    {
        (_, int efd, _) = SetupSocketInstance();
        var e = new EpollEvent[1];
        var clock = Stopwatch.StartNew();
        int result = Bounded.Call(() => variant == Variant.Pwait
            ? Px.EpollWait(efd, e, 1, timeoutMs)
            : Px.EpollPwait2(efd, e, 1, TimeSpan.FromMilliseconds(timeoutMs)), $"the {timeoutMs} ms timeout never expired");
        clock.Stop();
        Assert.Equal(0, result);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(timeoutMs), $"returned after {clock.Elapsed.TotalMilliseconds} ms");
    }

    /// <summary>
    /// The timespec cases {-1, 0} and {0, -1}; the third LTP case ({0, 1e9}, tv_nsec out of range) cannot be
    /// expressed as a <see cref="TimeSpan"/>.
    /// </summary>
    [Theory]
    [InlineData("ts.tv_sec < 0", -TimeSpan.TicksPerSecond)]
    [InlineData("ts.tv_nsec < 0", -1L)]
    public void Ltp_epoll_pwait05_EINVAL_timespec(string description, long ticks)
    {
        Assert.NotEmpty(description);
        (_, int efd, int[] sfd) = SetupSocketInstance();
        Assert.Equal(1, Write(sfd[1], "w"u8));
        Assert.Equal(-1, Px.EpollPwait2(efd, new EpollEvent[1], 1, TimeSpan.FromTicks(ticks)));
        Assert.Equal(Errno.EINVAL, Posix.Errno);
    }

    /// <summary>epoll_pwait06: an instance watching a descriptor of <paramref name="type"/> for EPOLLIN; every small timeout returns.</summary>
    private protected void SmallTimeoutsReturn(Variant variant, LtpFdType type)
    {
        int efd = Px.EpollCreate1(0);
        int fd = OpenFd(type);
        Assert.True(Ctl(efd, Posix.EPOLL_CTL_ADD, fd, new EpollEvent(EpollEvents.In, 0)) == 0, $"epoll_ctl failed: {LastErrno}");
        var e = new EpollEvent[1];
        long nanoseconds = 1_000_000_000;
        do
        {
            nanoseconds /= 10;
            long ns = nanoseconds;
            // The clock runs on the waiting thread around the call alone, as LTP's alarm(1) covers only the
            // syscall: the start of the thread and the hand-back of its result are no part of the timeout.
            (int result, Errno errno, TimeSpan took) = Bounded.Call(() =>
            {
                var clock = Stopwatch.StartNew();
                int r = variant == Variant.Pwait
                    ? Px.EpollWait(efd, e, 1, (int)((ns + 999_999) / 1_000_000)) // timespec rounded up to ms
                    : Px.EpollPwait2(efd, e, 1, TimeSpan.FromTicks((ns + 99) / 100)); // ns rounded up to a tick
                return (r, Posix.Errno, clock.Elapsed); // errno is per thread
            }, $"the {ns} ns timeout never expired");
            Assert.True(result >= 0, $"{nanoseconds} ns: failed with {errno}");
            Assert.True(took < TimeSpan.FromSeconds(1), $"{nanoseconds} ns: took {took.TotalMilliseconds} ms (alarm)");
        }
        while (nanoseconds != 0);
        Assert.True(Ctl(efd, Posix.EPOLL_CTL_DEL, fd, null) == 0, $"epoll_ctl failed: {LastErrno}");
    }
}

/// <summary>The epoll_pwait cases with table descriptors.</summary>
public sealed class LtpEpollPwaitTests : LtpEpollPwaitCases
{
    /// <summary>
    /// Timeouts of 100 ms, 10 ms, ... 1 ns and 0 must all return (LTP guards each with alarm(1): a timeout
    /// misread as infinite). Per pollable fd type the library has.
    /// </summary>
    [Theory]
    [InlineData(Variant.Pwait, LtpFdType.PipeRead)]
    [InlineData(Variant.Pwait, LtpFdType.PipeWrite)]
    [InlineData(Variant.Pwait, LtpFdType.UnixSocket)]
    [InlineData(Variant.Pwait, LtpFdType.Epoll)]
    [InlineData(Variant.Pwait, LtpFdType.EventFd)]
    [InlineData(Variant.Pwait, LtpFdType.TimerFd)]
    [InlineData(Variant.Pwait2, LtpFdType.PipeRead)]
    [InlineData(Variant.Pwait2, LtpFdType.PipeWrite)]
    [InlineData(Variant.Pwait2, LtpFdType.UnixSocket)]
    [InlineData(Variant.Pwait2, LtpFdType.Epoll)]
    [InlineData(Variant.Pwait2, LtpFdType.EventFd)]
    [InlineData(Variant.Pwait2, LtpFdType.TimerFd)]
    public void Ltp_epoll_pwait06_small_timeouts_return(Variant variant, LtpFdType type) => SmallTimeoutsReturn(variant, type);
}

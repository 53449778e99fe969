using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using EventPoll.Interop;
using EventPoll.Tests.Rules;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Interop;

/// <summary>
/// The kernel epoll and wakeup eventfd that OS-descriptor instances will stand on (issue 14): OS events with their data
/// words, the wakeup's one eventfd write made only for a blocked thread and never lost, nanosecond timeouts, and
/// EINTR retried with the time that remains.
/// </summary>
public sealed partial class KernelPollerTests : IDisposable
{
    private const int CtlAdd = 1, CtlDel = 2, CtlMod = 3, EfdNonBlock = 0x800, AfUnix = 1, SockStream = 1;

    private readonly KernelPoller _poller;
    private readonly List<int> _fds = [];

    public KernelPollerTests()
    {
        Assert.Equal(0, KernelPoller.Create(out KernelPoller? poller));
        _poller = poller!;
    }

    [LinuxFact]
    public void AnOsEventFd_IsReportedWithItsDataWord()
    {
        int efd = OsEventFd();
        Assert.Equal(0, _poller.Ctl(CtlAdd, efd, new EpollEvent(EpollEvents.In, 42)));
        var events = new EpollEvent[4];
        Assert.Equal(0, _poller.Wait(events, TimeSpan.Zero));

        Signal(efd);
        Assert.Equal(1, _poller.Wait(events, TimeSpan.Zero));
        Assert.Equal(new EpollEvent(EpollEvents.In, 42), events[0]);
        Assert.Equal(-(int)Errno.EEXIST, _poller.Ctl(CtlAdd, efd, new EpollEvent(EpollEvents.In, 1))); // the kernel's answers
    }

    [LinuxFact]
    public void Wake_WithNoThreadBlocked_WritesNothing()
    {
        for (int i = 0; i < 1_000; i++) _poller.Wake();
        Assert.Equal(0, _poller.WakeWrites);
    }

    [LinuxFact]
    public async Task Wake_OfABlockedThread_IsOneWrite_AndItsWaitReturnsNoEvent()
    {
        Task<int> wait = Task.Factory.StartNew(() =>
        {
            _poller.AnnounceBlocking();
            try
            {
                return _poller.Wait(new EpollEvent[4], Timeout.InfiniteTimeSpan);
            }
            finally
            {
                _poller.EndBlocking();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        SpinWait.SpinUntil(() => _poller.BlockedThreads == 1);

        _poller.Wake();
        _poller.Wake(); // coalesced: the first write is not seen yet

        Assert.Equal(0, await wait.WaitAsync(Failsafe.Limit));
        Assert.Equal(1, _poller.WakeWrites);
    }

    [LinuxFact]
    public void AWakeRacingTheWaitersRecheck_IsNeverLost()
    {
        // The waiter announces itself, re-checks the flag, and blocks without a timeout only if it is clear; the waker
        // sets the flag and wakes. A lost wakeup leaves the waiter blocked for good: the failsafe join fails then.
        const int Rounds = 10_000;
        int flag = 0;
        using var go = new Barrier(2);
        var waiter = new Thread(() =>
        {
            var events = new EpollEvent[4];
            for (int i = 0; i < Rounds; i++)
            {
                if (!go.SignalAndWait(Failsafe.Limit)) return;
                _poller.AnnounceBlocking();
                while (Volatile.Read(ref flag) == 0) _poller.Wait(events, Timeout.InfiniteTimeSpan);
                _poller.EndBlocking();
                Volatile.Write(ref flag, 0);
                if (!go.SignalAndWait(Failsafe.Limit)) return;
            }
        }) { IsBackground = true }; // a lost wakeup must fail the test, not keep the test host alive
        waiter.Start();
        for (int i = 0; i < Rounds; i++)
        {
            Assert.True(go.SignalAndWait(Failsafe.Limit));
            Interlocked.Exchange(ref flag, 1); // a full fence, then the count is read
            _poller.Wake();
            Assert.True(go.SignalAndWait(Failsafe.Limit), $"round {i}: the waiter never returned (a lost wakeup)");
        }
        Assert.True(waiter.Join(Failsafe.Limit));
        Assert.True(_poller.WakeWrites <= Rounds);
    }

    [LinuxTheory]
    [InlineData(1.5)]
    [InlineData(30)]
    public void ATimeout_IsWaitedInFull_ToTheNanosecondsAsked(double milliseconds)
    {
        TimeSpan timeout = TimeSpan.FromMilliseconds(milliseconds);
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, _poller.Wait(new EpollEvent[4], timeout));
        Assert.True(clock.Elapsed >= timeout, $"returned after {clock.Elapsed.TotalMilliseconds} ms");
    }

    [LinuxFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task AnEintr_IsRetriedWithTheTimeThatRemains()
    {
        // A handled signal interrupts epoll_pwait2 with EINTR (signal(7): never restarted); the wait goes on.
        using var handler = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, context => context.Cancel = true);
        TimeSpan timeout = TimeSpan.FromMilliseconds(400);
        int tid = 0;
        var clock = Stopwatch.StartNew();
        Task<int> wait = Task.Factory.StartNew(() =>
        {
            Volatile.Write(ref tid, GetTid());
            return _poller.Wait(new EpollEvent[4], timeout);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        SpinWait.SpinUntil(() => Volatile.Read(ref tid) != 0 && InSyscall(Volatile.Read(ref tid), SysEpollPwait2));

        Assert.Equal(0, TgKill(Environment.ProcessId, tid, SigWinch));

        Assert.Equal(0, await wait.WaitAsync(Failsafe.Limit)); // not -EINTR
        Assert.True(clock.Elapsed >= timeout, $"returned after {clock.Elapsed.TotalMilliseconds} ms");
        Assert.True(_poller.Interruptions >= 1, "the signal did not interrupt the wait");
    }

    // ---- the kernel's traps an OS-descriptor instance must handle (event-loops.md), pinned on the poller ----

    [LinuxFact]
    public void HupArrivesWithAnEmptyInterest_ModToZeroDoesNotDisarm()
    {
        (int mine, int peer) = OsSocketPair();
        Assert.Equal(0, _poller.Ctl(CtlAdd, mine, new EpollEvent(EpollEvents.In, 5)));
        Assert.Equal(0, _poller.Ctl(CtlMod, mine, new EpollEvent(EpollEvents.None, 5))); // Java NIO's interestOps(0)
        Assert.Equal(0, LinuxSyscalls.Shutdown(peer, 2));
        var events = new EpollEvent[4];
        Assert.Equal(1, _poller.Wait(events, TimeSpan.Zero));
        Assert.Equal(5ul, events[0].Data);
        Assert.True((events[0].Events & EpollEvents.Hup) != 0, $"{events[0].Events}");
        Assert.Equal(1, _poller.Wait(events, TimeSpan.Zero)); // level-triggered: it spins until DEL or ONESHOT
    }

    [LinuxFact]
    public void AnItemOutlivesTheCloseOfItsNumber_WhileADupLives()
    {
        int efd = OsEventFd();
        Assert.Equal(0, _poller.Ctl(CtlAdd, efd, new EpollEvent(EpollEvents.In, 9)));
        int dup = LinuxSyscalls.Dup(efd);
        Assert.True(dup >= 0);
        _fds.Add(dup);
        Assert.Equal(0, LinuxSyscalls.Close(efd));
        _fds.Remove(efd);

        Signal(dup);
        var events = new EpollEvent[4];
        Assert.Equal(1, _poller.Wait(events, TimeSpan.Zero)); // still reported, under the closed number's registration
        Assert.Equal(new EpollEvent(EpollEvents.In, 9), events[0]);
        Assert.Equal(-(int)Errno.EBADF, _poller.Ctl(CtlDel, efd, null));   // the old number cannot remove it
        Assert.Equal(-(int)Errno.ENOENT, _poller.Ctl(CtlDel, dup, null));  // nor the dup's: items are keyed by (file, fd)
    }

    [Fact]
    public void TheRetryClock_ShortensTheTimeLeft_AndEndsWhenItIsUp()
    {
        var finite = new KernelPoller.RetryClock(TimeSpan.FromMilliseconds(50));
        Assert.Equal(TimeSpan.FromMilliseconds(50), finite.Remaining);
        Assert.True(finite.Continue());
        Assert.True(finite.Remaining <= TimeSpan.FromMilliseconds(50));
        var spent = new KernelPoller.RetryClock(TimeSpan.Zero);
        Assert.False(spent.Continue());
        var infinite = new KernelPoller.RetryClock(Timeout.InfiniteTimeSpan);
        Assert.True(infinite.Continue());
        Assert.Equal(Timeout.InfiniteTimeSpan, infinite.Remaining);
    }

    public void Dispose()
    {
        foreach (int fd in _fds) LinuxSyscalls.Close(fd);
        _poller.Dispose();
    }

    private int OsEventFd()
    {
        int fd = LinuxSyscalls.EventFd(0, EfdNonBlock);
        Assert.True(fd >= 0);
        _fds.Add(fd);
        return fd;
    }

    private (int Mine, int Peer) OsSocketPair()
    {
        Assert.Equal(0, LinuxSyscalls.SocketPair(AfUnix, SockStream, 0, out int mine, out int peer));
        _fds.Add(mine);
        _fds.Add(peer);
        return (mine, peer);
    }

    private static void Signal(int fd)
    {
        Span<byte> one = stackalloc byte[8];
        BitConverter.TryWriteBytes(one, 1UL);
        Assert.Equal(8, LinuxSyscalls.Write(fd, one));
    }

    private const int SysEpollPwait2 = 441, SigWinch = 28;

    /// <summary>Whether thread <paramref name="tid"/> is inside system call <paramref name="number"/> (/proc/self/task/TID/syscall).</summary>
    private static bool InSyscall(int tid, int number)
    {
        string text = File.ReadAllText($"/proc/self/task/{tid}/syscall");
        return text.Split(' ')[0] == number.ToString(CultureInfo.InvariantCulture);
    }

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();

    [LibraryImport("libc", EntryPoint = "tgkill")]
    private static partial int TgKill(int tgid, int tid, int signal);
}

using System.Diagnostics;
using System.Runtime.InteropServices;
using EventPoll.Interop;
using EventPoll.Tests.Os;
using EventPoll.Tests.Rules;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Interop;

/// <summary>
/// The kernel epoll and signal eventfd that OS-descriptor instances stand on (issue 14): OS events with their data
/// words, one eventfd write per signal until it is seen or drained, a leader's wakeup never lost, nanosecond
/// timeouts, and EINTR retried with the time that remains.
/// </summary>
public sealed class KernelPollerTests : IDisposable
{
    private const int CtlAdd = 1, CtlDel = 2, CtlMod = 3, EfdNonBlock = 0x800, EfdCloExec = 0x80000, AfUnix = 1, SockStream = 1, SockCloExec = 0x80000;

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
        Assert.Equal(0, _poller.Wait(events, Deadline.Passed));

        OsFd.Signal(efd);
        Assert.Equal(1, _poller.Wait(events, Deadline.Passed));
        Assert.Equal(new EpollEvent(EpollEvents.In, 42), events[0]);
        Assert.Equal(-(int)Errno.EEXIST, _poller.Ctl(CtlAdd, efd, new EpollEvent(EpollEvents.In, 1))); // the kernel's answers
    }

    [LinuxFact]
    public void Signal_IsOneWrite_UntilAWaitSeesIt()
    {
        for (int i = 0; i < 1_000; i++) _poller.Signal();
        Assert.Equal(1, _poller.SignalWrites);
        var events = new EpollEvent[4];
        Assert.Equal(1, _poller.Wait(events, Deadline.Passed));
        Assert.Equal(KernelPoller.SignalData, events[0].Data);
        Assert.Equal(0, _poller.Wait(events, Deadline.Passed)); // edge-triggered: seen once
        _poller.SignalSeen();
        _poller.Signal();
        Assert.Equal(2, _poller.SignalWrites);
    }

    [LinuxFact]
    public void Drain_TakesAPendingSignalBack_SoTheEpollNoLongerPollsReadable()
    {
        Assert.False(_poller.PollReadable());
        _poller.Signal();
        Assert.True(_poller.PollReadable());
        _poller.Drain();
        Assert.False(_poller.Signalled);
        Assert.False(_poller.PollReadable());
        Assert.Equal(0, _poller.Wait(new EpollEvent[4], Deadline.Passed));
    }

    [LinuxFact]
    public async Task Signal_OfABlockedLeader_EndsItsWait_WithTheSignalsEvent()
    {
        Task<int> wait = Task.Factory.StartNew(() =>
        {
            Assert.True(_poller.TryLead());
            try
            {
                var events = new EpollEvent[4];
                int n = _poller.Wait(events, Deadline.After(Timeout.InfiniteTimeSpan));
                return n == 1 && events[0].Data == KernelPoller.SignalData ? 1 : -1;
            }
            finally
            {
                _poller.EndLead();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Bounded.Until(() => _poller.HasLeader || wait.IsCompleted, "the waiter leads in the kernel");
        Assert.False(wait.IsCompleted, "the leader's infinite wait returned before any signal");
        Assert.False(_poller.TryLead()); // one leader at a time

        _poller.Signal();
        _poller.Signal(); // coalesced: the first write is not seen yet

        Assert.Equal(1, await wait.WaitAsync(Failsafe.Limit));
        Assert.Equal(1, _poller.SignalWrites);
    }

    [LinuxFact]
    public void ASignalRacingTheLeadersRecheck_IsNeverLost()
    {
        // The leader claims leadership, re-checks the flag, and blocks without a timeout only if it is clear; the
        // waker sets the flag and signals if a leader exists. A lost wakeup leaves the leader blocked for good: the
        // failsafe join fails then.
        const int Rounds = 10_000;
        int flag = 0;
        using var go = new Barrier(2);
        var waiter = new Thread(() =>
        {
            var events = new EpollEvent[4];
            for (int i = 0; i < Rounds; i++)
            {
                if (!go.SignalAndWait(Failsafe.Limit)) return;
                Assert.True(_poller.TryLead());
                while (Volatile.Read(ref flag) == 0)
                {
                    if (_poller.Wait(events, Deadline.After(Timeout.InfiniteTimeSpan)) > 0) _poller.SignalSeen();
                }
                _poller.EndLead();
                Volatile.Write(ref flag, 0);
                if (!go.SignalAndWait(Failsafe.Limit)) return;
            }
        }) { IsBackground = true }; // a lost wakeup must fail the test, not keep the test host alive
        waiter.Start();
        for (int i = 0; i < Rounds; i++)
        {
            Assert.True(go.SignalAndWait(Failsafe.Limit));
            Interlocked.Exchange(ref flag, 1); // a full fence, then the leader is read
            if (_poller.HasLeader) _poller.Signal();
            Assert.True(go.SignalAndWait(Failsafe.Limit), $"round {i}: the waiter never returned (a lost wakeup)");
        }
        Assert.True(waiter.Join(Failsafe.Limit));
        Assert.True(_poller.SignalWrites <= Rounds);
    }

    [LinuxTheory]
    [InlineData(1.5)]
    [InlineData(30)]
    public void ATimeout_IsWaitedInFull_ToTheNanosecondsAsked(double milliseconds)
    {
        TimeSpan timeout = TimeSpan.FromMilliseconds(milliseconds);
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, _poller.Wait(new EpollEvent[4], Deadline.After(timeout)));
        Assert.True(clock.Elapsed >= timeout, $"returned after {clock.Elapsed.TotalMilliseconds} ms");
    }

    [LinuxFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task EachEintr_IsRetriedWithTheTimeThatRemains_AndEachRetryIsAWaitCall()
    {
        // A handled signal interrupts epoll_pwait2 with EINTR (signal(7): never restarted); the wait goes on, after a
        // second interruption too.
        using var handler = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, context => context.Cancel = true);
        TimeSpan timeout = TimeSpan.FromMilliseconds(1000);
        int tid = 0;
        var clock = Stopwatch.StartNew();
        Task<int> wait = Task.Factory.StartNew(() =>
        {
            Volatile.Write(ref tid, OsThreads.GetTid());
            return _poller.Wait(new EpollEvent[4], Deadline.After(timeout));
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        for (int interruption = 1; interruption <= 2; interruption++)
        {
            // Back in epoll_pwait2 after the interruptions so far (a thread seen there before its first EINTR was handled
            // has not counted it yet).
            Bounded.Until(() => wait.IsCompleted || (_poller.Interruptions >= interruption - 1 && Volatile.Read(ref tid) != 0
                && OsThreads.InSyscall(Volatile.Read(ref tid), OsThreads.SysEpollPwait2)), $"the waiter is inside epoll_pwait2 ({interruption})");
            Assert.False(wait.IsCompleted, $"the {timeout.TotalMilliseconds} ms wait ended before interruption {interruption}");
            Assert.Equal(0, OsThreads.TgKill(Environment.ProcessId, tid, OsThreads.SigWinch));
            Bounded.Until(() => wait.IsCompleted || _poller.Interruptions >= interruption, $"interruption {interruption} is counted");
        }

        Assert.Equal(0, await wait.WaitAsync(Failsafe.Limit)); // not -EINTR
        Assert.True(clock.Elapsed >= timeout, $"returned after {clock.Elapsed.TotalMilliseconds} ms");
        Assert.True(_poller.Interruptions >= 2, $"{_poller.Interruptions} interruptions");
        // The first call and one per interruption, but for one that came as the deadline passed.
        Assert.InRange(_poller.WaitCalls, _poller.Interruptions, 1 + _poller.Interruptions);
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
        Assert.Equal(1, _poller.Wait(events, Deadline.Passed));
        Assert.Equal(5ul, events[0].Data);
        Assert.True((events[0].Events & EpollEvents.Hup) != 0, $"{events[0].Events}");
        Assert.Equal(1, _poller.Wait(events, Deadline.Passed)); // level-triggered: it spins until DEL or ONESHOT
    }

    [LinuxFact]
    public void AnItemOutlivesTheCloseOfItsNumber_WhileADupLives()
    {
        int efd = OsEventFd();
        Assert.Equal(0, _poller.Ctl(CtlAdd, efd, new EpollEvent(EpollEvents.In, 9)));
        int dup = LinuxSyscalls.Fcntl(efd, LinuxSyscalls.FDupFdCloExec, 0);
        Assert.True(dup >= 0);
        _fds.Add(dup);
        Assert.Equal(0, LinuxSyscalls.Close(efd));
        _fds.Remove(efd);

        OsFd.Signal(dup);
        var events = new EpollEvent[4];
        Assert.Equal(1, _poller.Wait(events, Deadline.Passed)); // still reported, under the closed number's registration
        Assert.Equal(new EpollEvent(EpollEvents.In, 9), events[0]);
        // The old number cannot remove it: EBADF, or ENOENT when a descriptor of another test's thread took the number.
        Assert.Contains(_poller.Ctl(CtlDel, efd, null), new[] { -(int)Errno.EBADF, -(int)Errno.ENOENT });
        Assert.Equal(-(int)Errno.ENOENT, _poller.Ctl(CtlDel, dup, null));  // nor the dup's: items are keyed by (file, fd)
        Assert.Equal(1, _poller.Wait(events, Deadline.Passed)); // level-triggered and still registered
        Assert.Equal(new EpollEvent(EpollEvents.In, 9), events[0]);
    }

    [Fact]
    public void EpollEventLayouts_AreTheKernels_PackedOnX86_AlignedElsewhere()
    {
        // include/uapi/linux/eventpoll.h: EPOLL_PACKED on x86-64 only (i386 aligns a u64 to 4 anyway); every other
        // ABI lays the struct out naturally. Both layouts are checked here, whichever this machine uses.
        Assert.Equal(12, Marshal.SizeOf<EpollEvent>());
        Assert.Equal(4, (int)Marshal.OffsetOf<EpollEvent>(nameof(EpollEvent.Data)));
        Assert.Equal(16, Marshal.SizeOf<AlignedEpollEvent>());
        Assert.Equal(8, (int)Marshal.OffsetOf<AlignedEpollEvent>("Data"));
        Assert.Equal(RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86, LinuxSyscalls.EpollEventLayoutMatches);

        AlignedEpollEvent[] kernelWritten = [new(new EpollEvent(EpollEvents.In | EpollEvents.Hup, ulong.MaxValue)), new(new EpollEvent(EpollEvents.Out, 7))];
        var copied = new EpollEvent[2];
        AlignedEpollEvent.CopyOut(kernelWritten, copied, 2);
        Assert.Equal([new EpollEvent(EpollEvents.In | EpollEvents.Hup, ulong.MaxValue), new EpollEvent(EpollEvents.Out, 7)], copied);
    }

    [LinuxFact]
    public void TheWaitBoundWithoutSetLastError_StillReturnsTheKernelsErrno_AndNotAStaleOne()
    {
        var events = new EpollEvent[4];
        int efd = OsEventFd();
        Marshal.SetLastSystemError((int)Errno.EAGAIN); // a stale errno that a success must not report
        Assert.Equal(0, LinuxSyscalls.EpollWaitErrnoOnFailure(_poller.Descriptor, events, 0));
        Assert.Equal(-(int)Errno.EINVAL, LinuxSyscalls.EpollWaitErrnoOnFailure(efd, events, 0)); // not an epoll
        Assert.Equal(-(int)Errno.EBADF, LinuxSyscalls.EpollWaitErrnoOnFailure(-1, events, 0));
        Assert.Equal(LinuxSyscalls.EpollWait(-1, events, events.Length, 0), LinuxSyscalls.EpollWaitErrnoOnFailure(-1, events, 0));
    }

    [Fact]
    public void ADeadline_TellsTheTimeLeft_NoneWithoutOne_NothingOncePassed()
    {
        Deadline finite = Deadline.After(TimeSpan.FromMilliseconds(50));
        TimeSpan left = finite.RemainingTime();
        Assert.True(left > TimeSpan.Zero && left <= TimeSpan.FromMilliseconds(50), $"{left}");
        Assert.False(finite.HasPassed);
        Assert.Equal(TimeSpan.Zero, Deadline.Passed.RemainingTime());
        Assert.Equal(TimeSpan.Zero, Deadline.After(TimeSpan.Zero).RemainingTime());
        Assert.Equal(Timeout.InfiniteTimeSpan, Deadline.After(Timeout.InfiniteTimeSpan).RemainingTime());
        Assert.Equal(Timeout.InfiniteTimeSpan, new Deadline(-1).RemainingTime());
        Assert.False(new Deadline(-1).HasPassed);
    }

    public void Dispose()
    {
        foreach (int fd in _fds) LinuxSyscalls.Close(fd);
        _poller.Close();
    }

    private int OsEventFd()
    {
        int fd = LinuxSyscalls.EventFd(0, EfdNonBlock | EfdCloExec);
        Assert.True(fd >= 0);
        _fds.Add(fd);
        return fd;
    }

    private (int Mine, int Peer) OsSocketPair()
    {
        Assert.Equal(0, LinuxSyscalls.SocketPair(AfUnix, SockStream | SockCloExec, 0, out int mine, out int peer));
        _fds.Add(mine);
        _fds.Add(peer);
        return (mine, peer);
    }
}

using EventPoll.Interop;
using EventPoll.Tests.Rules;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Os;

/// <summary>
/// A fact that needs io_uring's readiness ring: skipped, with the reason, where the system may refuse io_uring. Judged
/// from the system, not by making a ring: a ring that fails where io_uring works is a failure, not a skip.
/// </summary>
public sealed class RingFactAttribute : FactAttribute
{
    public RingFactAttribute()
    {
        if (!LinuxSyscalls.EpollEventLayoutMatches) Skip = "needs Linux on x86-64";
        else if (IoUringRefusal() is string why) Skip = why + ": turns ask the kernel, as OsFairnessTests checks";
    }

    /// <summary>Why this system may refuse the ring, or null where it must make one.</summary>
    private static string? IoUringRefusal()
    {
        if (Environment.OSVersion.Version < new Version(5, 13)) return "Linux before 5.13 has no multishot poll";
        const string Disabled = "/proc/sys/kernel/io_uring_disabled";
        if (File.Exists(Disabled) && File.ReadAllText(Disabled).Trim() != "0") return "io_uring_disabled is set";
        if (File.ReadLines("/proc/self/status").Any(l => l.StartsWith("Seccomp:", StringComparison.Ordinal) && l[8..].Trim() != "0"))
            return "a seccomp filter may refuse io_uring";
        return null;
    }
}

/// <summary>
/// The kernel's fairness turn through the readiness ring (issue 14's last bar): a mixed instance whose OS descriptors are
/// idle makes no system call while in-process events keep it busy, and every OS event is still reported within the
/// fairness bound, through nesting, an overflowing ring and a ring armed by another thread.
/// </summary>
public sealed class ReadinessRingTests : HandleOwner
{
    private const ulong InProcessData = 100, OsData = 200;

    /// <summary>The most waits an OS event can wait while in-process events stay ready.</summary>
    private const int OsBound = Eventpoll.MaxOsFairnessBound + 1;

    /// <summary>Whether this process may make an io_uring readiness ring.</summary>
    internal static bool RingAvailable()
    {
        if (!OperatingSystem.IsLinux() || ReadinessRing.Create(out ReadinessRing? ring) < 0) return false;
        ring!.Close();
        return true;
    }

    /// <summary>An instance with an always-ready in-process eventfd and an idle OS eventfd, the ring armed (by this thread).</summary>
    private (Epoll Ep, SourceEnd Os, Eventpoll Instance, KernelPoller Kernel) Mixed()
    {
        var ep = Own(new Epoll(Table));
        Own(SourceEnd.Factory(SourceKind.InProcess).EventFd(Table, 1)).AddTo(ep, EpollEvents.In, InProcessData);
        SourceEnd os = Own(SourceEnd.Factory(SourceKind.Os).EventFd(Table));
        os.AddTo(ep, EpollEvents.In, OsData);
        Eventpoll instance = EngineAccess.Instance(ep);
        KernelPoller kernel = instance.Kernel!;
        var one = new EpollEvent[1];
        for (int i = 0; i <= Eventpoll.MinOsFairnessBound; i++) Assert.Equal(InProcessData, Wait(ep, one)); // the first turn arms it
        Assert.True(kernel.RingArmed, $"no ring after the first turn (refused: {kernel.RingRefused})");
        return (ep, os, instance, kernel);
    }

    private static ulong Wait(Epoll ep, EpollEvent[] one)
    {
        Assert.Equal(1, ep.Wait(one, 0));
        return one[0].Data;
    }

    /// <summary>Waits until a wait reports <paramref name="data"/>: how many it took (failing past the bound).</summary>
    private static int WaitsUntil(Epoll ep, ulong data)
    {
        var one = new EpollEvent[1];
        for (int waits = 1; waits <= OsBound; waits++)
        {
            if (Wait(ep, one) == data) return waits;
        }
        throw new Xunit.Sdk.XunitException($"{data} was not reported within {OsBound} waits");
    }

    [RingFact]
    public void WithIdleOsDescriptors_TenThousandInProcessWaits_MakeNoSystemCall()
    {
        (Epoll ep, _, Eventpoll instance, KernelPoller kernel) = Mixed();
        long calls = kernel.WaitCalls + kernel.RingSystemCalls + kernel.SignalWrites, turns = instance.KernelTurns, quiet = kernel.QuietTurns;
        var one = new EpollEvent[1];
        for (int i = 0; i < 10_000; i++) Assert.Equal(InProcessData, Wait(ep, one));
        Assert.Equal(calls, kernel.WaitCalls + kernel.RingSystemCalls + kernel.SignalWrites);
        long taken = instance.KernelTurns - turns;
        Assert.True(taken >= 10_000 / OsBound, $"only {taken} kernel's turns in 10,000 waits"); // the turns still come
        Assert.Equal(taken, kernel.QuietTurns - quiet);
    }

    [RingFact]
    public void AnOsEventSignalledDuringAQuietStreak_IsReportedWithinTheBound_AndTheStreakIsQuietAgainAfter()
    {
        (Epoll ep, SourceEnd os, _, KernelPoller kernel) = Mixed();
        var one = new EpollEvent[1];
        for (int offset = 0; offset < 3 * OsBound; offset += 7)
        {
            for (int i = 0; i < offset; i++) Assert.Equal(InProcessData, Wait(ep, one));
            os.Signal();
            WaitsUntil(ep, OsData);
            os.Consume();
            long calls = kernel.WaitCalls;
            for (int i = 0; i < 4 * OsBound; i++) Assert.Equal(InProcessData, Wait(ep, one));
            // The turn after the one that found the event asks once more (its batch may have left the item ready).
            Assert.Equal(calls + 1, kernel.WaitCalls);
        }
    }

    [RingFact]
    public void AnOsEventSignalledOnAnotherThread_IsReportedWithinTheBound_OnceTheArmingThreadPassedThroughTheKernel()
    {
        (Epoll ep, SourceEnd os, _, _) = Mixed();
        var one = new EpollEvent[1];
        for (int i = 0; i < 2 * OsBound; i++) Assert.Equal(InProcessData, Wait(ep, one));
        var signaller = new Thread(() => os.Signal());
        signaller.Start();
        signaller.Join();
        // The wakeup queued task work on this thread, the ring's: it posts the completion as this thread leaves its next
        // system call (sched_yield), if the interprocessor interrupt has not brought it into the kernel already.
        Thread.Yield();
        WaitsUntil(ep, OsData);
    }

    [RingFact]
    public void AnOsEventOfAWatchedInstance_IsReportedWithinTheBound()
    {
        (Epoll ep, _, _, KernelPoller kernel) = Mixed();
        var inner = Own(new Epoll(Table));
        SourceEnd innerOs = Own(SourceEnd.Factory(SourceKind.Os).EventFd(Table));
        innerOs.AddTo(inner, EpollEvents.In, 1);
        ep.Add(inner.Fd, EpollEvents.In, 300);
        var one = new EpollEvent[1];
        for (int i = 0; i < 4 * OsBound; i++) Assert.Equal(InProcessData, Wait(ep, one)); // quiet again, the ring re-armed
        Assert.True(kernel.RingArmed);
        long calls = kernel.WaitCalls;
        for (int i = 0; i < 2 * OsBound; i++) Assert.Equal(InProcessData, Wait(ep, one));
        Assert.Equal(calls, kernel.WaitCalls);
        innerOs.Signal();
        WaitsUntil(ep, 300);
    }

    [RingFact]
    public void AfterTheRingOverflows_ItsFirstTurnAsks_AndTheNextQuietTurnArmsItAgain()
    {
        (Epoll ep, SourceEnd os, Eventpoll instance, KernelPoller kernel) = Mixed();
        for (int i = 0; i < 50; i++)
        {
            os.Signal(); // each write wakes the kernel epoll: a completion each, more than the ring holds
            os.Consume();
        }
        long calls = kernel.WaitCalls, turns = instance.KernelTurns;
        var one = new EpollEvent[1];
        while (instance.KernelTurns == turns) Assert.Equal(InProcessData, Wait(ep, one));
        Assert.Equal(calls + 1, kernel.WaitCalls); // it asked: the ring showed wakeups and had overflowed
        Assert.True(kernel.RingArmed, "the quiet turn did not arm the ring again");
        for (int i = 0; i < 4 * OsBound; i++) Assert.Equal(InProcessData, Wait(ep, one));
        Assert.Equal(calls + 1, kernel.WaitCalls);
    }

    [RingFact]
    public void ARingArmedByAnotherThread_IsNotTrustedHere_AndMovesHereAtTheSecondQuietTurnInARow()
    {
        var ep = Own(new Epoll(Table));
        Own(SourceEnd.Factory(SourceKind.InProcess).EventFd(Table, 1)).AddTo(ep, EpollEvents.In, InProcessData);
        Own(SourceEnd.Factory(SourceKind.Os).EventFd(Table)).AddTo(ep, EpollEvents.In, OsData);
        Eventpoll instance = EngineAccess.Instance(ep);
        KernelPoller kernel = instance.Kernel!;
        using var armed = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var armer = new Thread(() =>
        {
            var events = new EpollEvent[1];
            for (int i = 0; i <= Eventpoll.MinOsFairnessBound; i++) ep.Wait(events, 0); // the last is the first turn
            armed.Set();
            release.Wait(); // alive while this thread takes turns, so its poll is not ended by its exit
        });
        armer.Start();
        try
        {
            Assert.True(armed.Wait(Failsafe.Limit));
            Assert.True(kernel.RingArmed, "the other thread's turn did not arm the ring");
            var one = new EpollEvent[1];
            List<long> callsPerTurn = [];
            while (callsPerTurn.Count < 5)
            {
                long turns = instance.KernelTurns, calls = kernel.WaitCalls;
                Assert.Equal(InProcessData, Wait(ep, one));
                if (instance.KernelTurns != turns) callsPerTurn.Add(kernel.WaitCalls - calls);
            }
            Assert.Equal([1, 1, 0, 0, 0], callsPerTurn);
        }
        finally
        {
            release.Set();
            armer.Join();
        }
    }
}

using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Microsoft.Win32.SafeHandles;
using Xunit;

namespace EventPoll.Tests.Os;

/// <summary>
/// An instance given a kernel side by an ADD in mid-call, and EPOLL_CTL_MOD of a registration held in a kernel side.
/// The first happens when the watched instance gets its kernel side after the ADD looked for one (so no kernel side was
/// made here up front) and before the ADD registers it: the ADD makes this instance's kernel side itself, and once its
/// lock is left must do what making one always does, send the waiters asleep in user space to the kernel and move this
/// instance's registrations in its watchers into theirs. The window is made deterministic: a harvest (or another ADD)
/// holds the interest lock inside a poll of the test's file while the ADD, past its loop check, waits for that lock.
/// </summary>
public sealed class OsKernelSideMidCtlTests : HandleOwner
{
    private readonly EpollEvent[] _events = new EpollEvent[4];

    [LinuxFact]
    public void AWaiterAsleepInUserSpace_IsSentToTheKernelSide_ThatAnAddMadeInMidCall()
    {
        Epoll a = Own(new Epoll(Table));
        Epoll b = Own(new Epoll(Table));
        Eventpoll inA = Outcome.Engine(a);
        Task<(int Count, EpollEvent First)> waiter = OsWaits.OnThread(() =>
        {
            var events = new EpollEvent[4];
            int n = a.Wait(events, -1);
            return (n, events[0]);
        });
        OsWaits.AwaitBlocked(inA, 1);

        // Another ADD into a holds its interest lock, inside its poll of g, while b's ADD is past its loop check.
        var gate = new PollGate();
        var g = new FakeFile { OnPoll = gate.Hook };
        DescriptorHandle gHandle = Own(DescriptorHandle.Open(g, Table));
        Task holder = OnThread(() => a.Add(gHandle, EpollEvents.In, 10));
        SafeFileHandle os = Own(OsFd.EventFd());
        AddWithKernelSideMadeMeanwhile(a, b, os, gate);
        Bounded.Wait(holder, "the ADD holding a's lock ends");

        OsFd.Signal(os);
        (int count, EpollEvent first) = Bounded.Result(waiter, "the waiter, sent to a's kernel side, reports b");
        Assert.Equal(1, count);
        Assert.Equal(new EpollEvent(EpollEvents.In, 2), first);
    }

    [LinuxFact]
    public void TheWatchersOfAnInstance_MoveIntoTheKernelSide_ThatAnAddMadeInMidCall()
    {
        Epoll a = Own(new Epoll(Table));
        Epoll b = Own(new Epoll(Table));
        Epoll c = Own(new Epoll(Table));
        c.Add(a, EpollEvents.In, 9); // in-process: a has no kernel side yet
        var gate = new PollGate();
        var f = new FakeFile();
        a.Add(Own(DescriptorHandle.Open(f, Table)), EpollEvents.In, 1);
        f.Set(EpollEvents.In);

        // A harvest of a holds its interest lock, inside its poll of f, while b's ADD is past its loop check.
        f.OnPoll = gate.Hook;
        Task<int> harvest = OsWaits.OnThread(() => a.Wait(new EpollEvent[4], 0));
        SafeFileHandle os = Own(OsFd.EventFd());
        AddWithKernelSideMadeMeanwhile(a, b, os, gate);
        Assert.Equal(1, Bounded.Result(harvest, "the harvest holding a's lock ends"));

        f.Set(EpollEvents.None);
        c.Wait(_events, 0); // whatever f's readiness left queued in c is polled and dropped
        OsFd.Signal(os); // readiness that only a's kernel side sees
        Assert.Equal(1, c.Wait(_events, (int)Bounded.Limit.TotalMilliseconds));
        Assert.Equal(new EpollEvent(EpollEvents.In, 9), _events[0]);
    }

    [LinuxFact]
    public void ModOfAnInstanceHeldInTheKernelSide_ChangesTheEventsTheKernelReports()
    {
        (Epoll a, Epoll b, SafeFileHandle os) = InstanceWatchingAKernelSide(EpollEvents.Out, 1);
        OsFd.Signal(os);
        Assert.Equal(0, a.Wait(_events, 0)); // an epoll is never writable

        a.Modify(b, EpollEvents.In, 2);
        Assert.Equal(1, a.Wait(_events, 0));
        Assert.Equal(new EpollEvent(EpollEvents.In, 2), _events[0]);
    }

    [LinuxFact]
    public void ModOfAReadyInstanceHeldInTheKernelSide_QueuesNothingInProcess_TheKernelAloneReportsIt()
    {
        (Epoll a, Epoll b, SafeFileHandle os) = InstanceWatchingAKernelSide(EpollEvents.In | EpollEvents.EdgeTriggered, 1);
        OsFd.Signal(os);
        Assert.Equal(1, a.Wait(_events, 0));

        a.Modify(b, EpollEvents.In | EpollEvents.EdgeTriggered, 2); // re-arms the edge: b is still ready
        Assert.False(Outcome.Engine(a).EventsAvailable, "a held registration was queued in-process too");
        Assert.Equal(1, a.Wait(_events, 0));
        Assert.Equal(new EpollEvent(EpollEvents.In, 2), _events[0]);
        Assert.Equal(0, a.Wait(_events, 0));
    }

    /// <summary>a watching b, which holds an OS eventfd (so the registration is held in a's kernel side).</summary>
    private (Epoll A, Epoll B, SafeFileHandle Os) InstanceWatchingAKernelSide(EpollEvents events, ulong data)
    {
        Epoll a = Own(new Epoll(Table));
        Epoll b = Own(new Epoll(Table));
        SafeFileHandle os = Own(OsFd.EventFd());
        b.Add(os, EpollEvents.In, 3);
        a.Add(b, events, data);
        Assert.NotNull(Outcome.Engine(a).Kernel);
        return (a, b, os);
    }

    /// <summary>
    /// While <paramref name="gate"/>'s poll holds a's interest lock: starts the ADD of b into a (data 2), waits until it
    /// is past its loop check (so past its look for a kernel side of b), gives b a kernel side by adding
    /// <paramref name="os"/>, then opens the gate and waits for the ADD.
    /// </summary>
    private void AddWithKernelSideMadeMeanwhile(Epoll a, Epoll b, SafeFileHandle os, PollGate gate)
    {
        Eventpoll inA = Outcome.Engine(a), inB = Outcome.Engine(b);
        Bounded.Wait(gate.Entered, "a poll holds a's interest lock");
        long generation = Volatile.Read(ref inA.LoopGeneration);
        Task add = OnThread(() => a.Add(b, EpollEvents.In, 2));
        Bounded.Until(() => Volatile.Read(ref inA.LoopGeneration) != generation, "the ADD of b into a ran its loop check");
        b.Add(os, EpollEvents.In, 3);
        Assert.NotNull(inB.Kernel);
        Assert.Null(inA.Kernel);
        gate.Open.Set();
        Bounded.Wait(add, "the ADD of b into a ends");
        Assert.NotNull(inA.Kernel);
    }

    private static Task OnThread(Action body) => OsWaits.OnThread(() =>
    {
        body();
        return true;
    });

    /// <summary>A poll hook that blocks its first call, under whatever lock the poll runs, until <see cref="Open"/> is set.</summary>
    private sealed class PollGate
    {
        private int _armed = 1;

        public ManualResetEventSlim Entered { get; } = new();

        public ManualResetEventSlim Open { get; } = new();

        public void Hook()
        {
            if (Interlocked.Exchange(ref _armed, 0) == 0) return;
            Entered.Set();
            Bounded.Wait(Open, "the test opens the poll gate");
        }
    }
}

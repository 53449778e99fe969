using EventPoll.Interop;
using EventPoll.Tests.Os;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The kernel's turn (Eventpoll.Kernel.cs, "Order in a batch"): only a kernel wait made while in-process events are
/// ready is one, and only such a turn that found nothing arms the readiness ring. Mutation testing found a wait that
/// finds the in-process list empty counted as a turn unnoticed.
/// </summary>
public sealed class KernelTurnMutationTests : HandleOwner
{
    private readonly EpollEvent[] _events = new EpollEvent[4];

    [LinuxFact]
    public void AKernelWaitWithNoInProcessEventReady_IsNoKernelsTurn_AndFindingNothingArmsNoReadinessRing()
    {
        Epoll ep = Own(new Epoll(Table));
        ep.Add(Own(OsFd.EventFd()), EpollEvents.In, 1);
        Eventpoll instance = Outcome.Engine(ep);
        KernelPoller k = instance.Kernel!;
        for (int i = 0; i <= Eventpoll.MaxOsFairnessBound; i++) Assert.Equal(0, ep.Wait(_events, 0)); // each asks the kernel
        Assert.Equal(Eventpoll.MaxOsFairnessBound + 1, k.WaitCalls);
        Assert.Equal(0, instance.KernelTurns);
        Assert.False(k.RingArmed);
        Assert.Equal(0, k.RingSystemCalls);
    }

    [LinuxFact]
    public void AKernelWaitAfterAStreakOfInProcessWaits_FindingTheInProcessListEmpty_IsNoKernelsTurn()
    {
        Epoll ep = Own(new Epoll(Table));
        ep.Add(Own(OsFd.EventFd()), EpollEvents.In, 1);
        EventFd e = Own(new EventFd(table: Table));
        ep.Add(e, EpollEvents.In | EpollEvents.EdgeTriggered, 2);
        Eventpoll instance = Outcome.Engine(ep);
        for (int i = 0; i < Eventpoll.MinOsFairnessBound; i++) // the streak that gives the kernel its turn
        {
            e.Signal(); // one edge, one event: the in-process list is empty after each wait
            Assert.Equal(1, ep.Wait(_events, 0));
        }
        Assert.Equal(0, ep.Wait(_events, 0)); // asks the kernel, with nothing in-process to put behind it
        Assert.Equal(0, instance.KernelTurns);
        Assert.False(instance.Kernel!.RingArmed);
    }

    [LinuxFact]
    public void ABlockingWaitThatTimesOutInTheKernel_AsksTheKernelOnce()
    {
        Epoll ep = Own(new Epoll(Table));
        ep.Add(Own(OsFd.EventFd()), EpollEvents.In, 1);
        KernelPoller k = Outcome.Engine(ep).Kernel!;
        Assert.Equal(0, ep.Wait(_events, 1)); // this thread leads; the kernel's wait ends at the deadline
        Assert.Equal(1, k.WaitCalls);
    }
}

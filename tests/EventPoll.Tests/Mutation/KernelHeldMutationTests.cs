using EventPoll.Tests.Os;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Microsoft.Win32.SafeHandles;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// A registration of a watched instance that was queued in its watcher's in-process ready list when the kernel took
/// it over (the watched instance gained a kernel side, see Eventpoll.Kernel.cs): the kernel reports it from then on,
/// so the in-process scans (harvest and poll) pass over it. Mutation testing found both skips unexercised.
/// </summary>
public sealed class KernelHeldMutationTests : HandleOwner
{
    private const EpollEvents In = EpollEvents.In;
    private const ulong InnerData = 2;

    /// <summary>
    /// An outer instance watching an inner one (edge-triggered) whose eventfd is readable, so the outer's registration
    /// is queued in-process; then the inner instance takes an OS eventfd and so a kernel side, and the outer's
    /// registration moves into the outer's new kernel side, still queued in-process.
    /// </summary>
    private Epoll OuterWithARegistrationQueuedBeforeTheKernelTookItOver()
    {
        Epoll outer = Own(new Epoll(Table));
        Epoll inner = Own(new Epoll(Table));
        EventFd e = Own(new EventFd(table: Table));
        inner.Add(e, In, 1);
        outer.Add(inner, In | EpollEvents.EdgeTriggered, InnerData);
        e.Signal(); // the inner instance's wakeup queues the outer's registration of it
        SafeFileHandle os = Own(OsFd.EventFd());
        inner.Add(os, In, 3);
        Assert.NotNull(outer.Instance.Kernel); // the registration moved into the outer's kernel side...
        Assert.True(outer.Instance.EventsAvailable); // ...and is still in its in-process ready list
        return outer;
    }

    [LinuxFact]
    public void AHarvest_PassesOverARegistrationTheKernelTookOver_WhichTheKernelReportsOnce()
    {
        Epoll outer = OuterWithARegistrationQueuedBeforeTheKernelTookItOver();
        var buffer = new EpollEvent[4];
        Assert.Equal(1, outer.Wait(buffer, 0));
        Assert.Equal(new EpollEvent(In, InnerData), buffer[0]);
        Assert.Equal(0, outer.Wait(buffer, 0)); // edge-triggered: one wakeup, one event
    }

    [LinuxFact]
    public void APollOfTheWatcher_DropsARegistrationTheKernelTookOver_FromItsInProcessReadyList()
    {
        Epoll outer = OuterWithARegistrationQueuedBeforeTheKernelTookItOver();
        Assert.Equal(In | EpollEvents.RdNorm, outer.Poll(In | EpollEvents.RdNorm)); // the kernel side's readiness
        Assert.False(outer.Instance.EventsAvailable);
        Assert.Equal(0, outer.Instance.PollScansStoppedAtReady); // the in-process scan found nothing of its own
        var buffer = new EpollEvent[4];
        Assert.Equal(1, outer.Wait(buffer, 0));
        Assert.Equal(new EpollEvent(In, InnerData), buffer[0]);
    }
}

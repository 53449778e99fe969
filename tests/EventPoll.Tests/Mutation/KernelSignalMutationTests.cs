using EventPoll.Interop;
using EventPoll.Tests.Os;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Microsoft.Win32.SafeHandles;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The signal eventfd of an instance held in a watcher's kernel epoll (Eventpoll.Kernel.cs): when a pending signal is
/// taken back, at which depth, and what a take-back must not lose. Mutation testing found these rules unpinned. A
/// window inside a scan is made deterministic with a poll hook on an in-process file (<see cref="FakeFile.OnPoll"/>).
/// </summary>
public sealed class KernelSignalMutationTests : HookedFileTests
{
    private const EpollEvents In = EpollEvents.In;
    private readonly EpollEvent[] _events = new EpollEvent[4];

    [LinuxFact]
    public void AOneShotWatchedInstanceDeletedWhileItsReportIsChecked_AndFoundStale_IsNotReArmed()
    {
        (Epoll a, FakeFile aFile) = AnInstanceWithAKernelSideAndAFile();
        aFile.Set(In);
        Epoll watcher = Own(new Epoll(Table));
        watcher.Add(a, In | EpollEvents.OneShot, 1);
        // The harvest checks the kernel's report of a by polling a's file: a is deleted there and found not ready, so
        // the ONESHOT re-arm finds a registration the kernel no longer holds.
        AtTheNextPoll(aFile, () =>
        {
            watcher.Delete(a);
            Drain(aFile);
        }, after: Outcome.Engine(watcher).Kernel);
        Assert.Equal(0, watcher.Wait(_events, 0));
        aFile.Set(In);
        Assert.Equal(0, watcher.Wait(_events, 0)); // a is gone from the watcher
    }

    [LinuxFact]
    public void AHarvestOfAWatchedInstanceThatLeavesALevelItemQueued_IsNoNewEdgeForAnEdgeTriggeredWatcher()
    {
        (Epoll ep, FakeFile file) = AnInstanceWithAKernelSideAndAFile();
        Epoll watcher = Own(new Epoll(Table));
        watcher.Add(ep, In | EpollEvents.EdgeTriggered, 1);
        file.Set(In); // a wakeup of ep: one edge for the watcher
        Assert.Equal(1, watcher.Wait(_events, 0));
        KernelPoller k = Outcome.Engine(ep).Kernel!;
        long writes = k.SignalWrites;
        Assert.Equal(1, ep.Wait(_events, 0)); // level-triggered: the item stays queued, and the signal stays as it is
        Assert.Equal(new EpollEvent(In, 101), _events[0]);
        Assert.Equal(writes, k.SignalWrites);
        Assert.Equal(0, watcher.Wait(_events, 0)); // Linux wakes ep's watchers only for a wakeup, and a harvest is none
    }

    [LinuxFact]
    public void AStaleSignalTwoLevelsDown_IsTakenBackBeforeTheTopsKernelWait_SoItTakesNoSlotOfTheBatch()
    {
        (Epoll inner, FakeFile file) = AnInstanceWithAKernelSideAndAFile();
        Epoll middle = Own(new Epoll(Table));
        middle.Add(Own(OsFd.EventFd()), In, 200);
        middle.Add(inner, In, 201);
        Epoll top = Own(new Epoll(Table));
        SafeFileHandle os = Own(OsFd.EventFd());
        top.Add(middle, In, 1);
        top.Add(os, In, 2);
        file.Set(In); // inner's signal is written: inner, then middle, joins the kernel's ready lists
        Drain(file);  // inner's signal is stale now
        OsFd.Signal(os); // the top's kernel ready list: middle, then the OS eventfd
        Assert.True(Outcome.Engine(inner).Kernel!.Signalled);
        var one = new EpollEvent[1];
        Assert.Equal(1, top.Wait(one, 0));
        Assert.Equal(new EpollEvent(In, 2), one[0]);
    }

    [LinuxFact]
    public void AWakeupDuringTheScanThatTakesAStaleSignalBack_IsSignalledAgain_SoTheWatcherSeesIt()
    {
        (Epoll ep, FakeFile file) = AnInstanceWithAKernelSideAndAFile();
        var other = new FakeFile();
        ep.Add(Own(DescriptorHandle.Open(other, Table)), In, 102);
        Epoll watcher = Own(new Epoll(Table));
        watcher.Add(ep, In, 1);
        file.Set(In);
        Drain(file); // ep's signal is stale: its queued item is not ready
        // Before the watcher's kernel wait ep's scan finds the stale item; the other file wakes during that scan, so
        // it joins the ready list after the scan found nothing and its signal write comes before the take-back.
        AtTheNextPoll(file, () => other.Set(In));
        Assert.Equal(1, watcher.Wait(_events, 0));
        Assert.Equal(new EpollEvent(In, 1), _events[0]);
    }
}

using Xunit;

namespace EventPoll.Tests.Rules;

/// <summary>
/// The pollable contract's wait-queue order: non-exclusive entries are added at the head (add_wait_queue),
/// exclusive ones at the tail (add_wait_queue_exclusive), and a wakeup stops at the first exclusive entry
/// that consumes it. Probed on Linux 6.18: three dup'ed eventfd numbers registered 1,2,3 in one instance
/// report (1,3) (1,2) (1,1) after one write, LT and ET alike.
/// </summary>
public class WaitQueueOrderRules
{
    private readonly World _w = new();

    [Fact]
    public void NonExclusiveEntries_AreWokenInReverseRegistrationOrder()
    {
        var queue = new WaitQueue();
        var log = new List<string>();
        queue.Add(new RecordingEntry("first", log, exclusive: false));
        queue.Add(new RecordingEntry("second", log, exclusive: false));
        queue.Add(new RecordingEntry("third", log, exclusive: false));
        queue.Wake(EpollEvents.In);
        Assert.Equal(["third", "second", "first"], log);
    }

    [Fact]
    public void ExclusiveEntries_GoToTheTail_AndTheFirstConsumingOneStopsTheWakeup()
    {
        var queue = new WaitQueue();
        var log = new List<string>();
        queue.Add(new RecordingEntry("n1", log, exclusive: false));
        queue.Add(new RecordingEntry("x1", log, exclusive: true));
        queue.Add(new RecordingEntry("n2", log, exclusive: false));
        queue.Add(new RecordingEntry("x2", log, exclusive: true));
        queue.Wake(EpollEvents.In);
        Assert.Equal(["n2", "n1", "x1"], log);
    }

    [Fact]
    public void ExclusiveEntry_ThatDoesNotConsume_PassesTheWakeupOn()
    {
        var queue = new WaitQueue();
        var log = new List<string>();
        queue.Add(new RecordingEntry("x1", log, exclusive: true, consume: false));
        queue.Add(new RecordingEntry("x2", log, exclusive: true));
        queue.Add(new RecordingEntry("x3", log, exclusive: true));
        queue.Wake(EpollEvents.In);
        Assert.Equal(["x1", "x2"], log);
    }

    [Fact]
    public void DupedEventFdNumbers_BecomeReadyInReverseRegistrationOrder_LikeTheKernel()
    {
        int ep = _w.Create();
        int e = _w.EventFd();
        int e2 = _w.Px.Dup(e);
        int e3 = _w.Px.Dup(e);
        Assert.Equal(Errno.None, _w.Add(ep, e, EpollEvents.In, 1));
        Assert.Equal(Errno.None, _w.Add(ep, e2, EpollEvents.In, 2));
        Assert.Equal(Errno.None, _w.Add(ep, e3, EpollEvents.In, 3));
        _w.Write(e);
        Assert.Equal([3UL, 2UL, 1UL], _w.WaitData(ep));
    }

    [Fact]
    public void DupedEventFdNumbers_EdgeTriggered_ReverseRegistrationOrderOnEveryWrite()
    {
        int ep = _w.Create();
        int f = _w.EventFd();
        int f2 = _w.Px.Dup(f);
        Assert.Equal(Errno.None, _w.Add(ep, f, EpollEvents.In | EpollEvents.EdgeTriggered, 1));
        Assert.Equal(Errno.None, _w.Add(ep, f2, EpollEvents.In | EpollEvents.EdgeTriggered, 2));
        _w.Write(f);
        Assert.Equal([2UL, 1UL], _w.WaitData(ep));
        _w.Write(f);
        Assert.Equal([2UL, 1UL], _w.WaitData(ep));
        Assert.Empty(_w.Wait(ep));
    }

    [Fact]
    public void ItemsAlreadyReadyAtAdd_QueueInRegistrationOrder()
    {
        // ADD polls and queues a ready item at the tail at once; the wait-queue order plays no part.
        int ep = _w.Create();
        int e = _w.EventFd(1);
        int e2 = _w.Px.Dup(e);
        Assert.Equal(Errno.None, _w.Add(ep, e, EpollEvents.In, 1));
        Assert.Equal(Errno.None, _w.Add(ep, e2, EpollEvents.In, 2));
        Assert.Equal([1UL, 2UL], _w.WaitData(ep));
    }

    [Fact]
    public void NonExclusiveInstance_RegisteredAfterAConsumingExclusiveOne_IsStillWoken()
    {
        var (file, fd) = _w.Fake();
        int epX = _w.Create();
        int epN = _w.Create();
        Assert.Equal(Errno.None, _w.Add(epX, fd, EpollEvents.In | EpollEvents.Exclusive, 1));
        Assert.Equal(Errno.None, _w.Add(epN, fd, EpollEvents.In, 2)); // at the head, before the exclusive entry
        var waiter = new CountingWaiter();
        _w.Instance(epX).AddWaiter(waiter, through: null); // epX has a blocked waiter, so its exclusive item consumes the wakeup
        file.Set(EpollEvents.In);
        Assert.Equal(1, waiter.Signals);
        Assert.Equal([2UL], _w.WaitData(epN));
        Assert.Equal([1UL], _w.WaitData(epX));
    }

    [Fact]
    public void Exclusive_ConsumedByTheInstanceWithAWaiter_LaterExclusiveInstanceNotQueued()
    {
        var (file, fd) = _w.Fake();
        int ep1 = _w.Create();
        int ep2 = _w.Create();
        Assert.Equal(Errno.None, _w.Add(ep1, fd, EpollEvents.In | EpollEvents.Exclusive, 1));
        Assert.Equal(Errno.None, _w.Add(ep2, fd, EpollEvents.In | EpollEvents.Exclusive, 2));
        var waiter = new CountingWaiter();
        _w.Instance(ep1).AddWaiter(waiter, through: null);
        file.Set(EpollEvents.In);
        Assert.Equal(1, waiter.Signals);
        Assert.Equal([1UL], _w.WaitData(ep1));
        Assert.Empty(_w.Wait(ep2));
    }

    [Fact]
    public void Exclusive_WaiterlessInstanceStillQueues_AndPassesTheWakeOn()
    {
        var (file, fd) = _w.Fake();
        int ep1 = _w.Create();
        int ep2 = _w.Create();
        Assert.Equal(Errno.None, _w.Add(ep1, fd, EpollEvents.In | EpollEvents.Exclusive, 1));
        Assert.Equal(Errno.None, _w.Add(ep2, fd, EpollEvents.In | EpollEvents.Exclusive, 2));
        var waiter = new CountingWaiter();
        _w.Instance(ep2).AddWaiter(waiter, through: null); // only the second has a waiter
        file.Set(EpollEvents.In);
        Assert.Equal(1, waiter.Signals);
        Assert.Equal([1UL], _w.WaitData(ep1)); // queued although it did not consume
        Assert.Equal([2UL], _w.WaitData(ep2));
    }

    [Fact]
    public void Exclusive_KeyWithBothInAndOut_IsNotConsumed()
    {
        var (file, fd) = _w.Fake();
        int ep1 = _w.Create();
        int ep2 = _w.Create();
        Assert.Equal(Errno.None, _w.Add(ep1, fd, EpollEvents.In | EpollEvents.Out | EpollEvents.Exclusive, 1));
        Assert.Equal(Errno.None, _w.Add(ep2, fd, EpollEvents.In | EpollEvents.Out | EpollEvents.Exclusive, 2));
        var w1 = new CountingWaiter();
        var w2 = new CountingWaiter();
        _w.Instance(ep1).AddWaiter(w1, through: null);
        _w.Instance(ep2).AddWaiter(w2, through: null);
        file.Set(EpollEvents.In | EpollEvents.Out);
        Assert.Equal(1, w1.Signals);
        Assert.Equal(1, w2.Signals);
    }
}

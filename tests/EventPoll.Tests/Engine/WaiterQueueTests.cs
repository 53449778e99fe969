using EventPoll.Tests.Rules;
using Xunit;

namespace EventPoll.Tests.Engine;

/// <summary>The blocked-waiter queue's bookkeeping of who was woken and who gave up.</summary>
public sealed class WaiterQueueTests
{
    /// <summary>A waiter that gives up after a wakeup dequeued it learns that it consumed that wakeup (so it can pass it on).</summary>
    [Fact]
    public void Remove_AfterAWakeupDequeuedTheWaiter_ReportsTheConsumedWakeup()
    {
        var queue = new WaiterQueue();
        var waiter = new CountingWaiter();
        queue.Add(waiter, through: null);
        queue.WakeOne();
        Assert.Equal(1, waiter.Signals);
        Assert.False(queue.Remove(waiter));
    }

    /// <summary>
    /// A waiter that gives up while queued is taken out, so a producer that saw it waiting finds the queue empty by the
    /// time it locks it: the wakeup wakes nobody.
    /// </summary>
    [Fact]
    public void Remove_OfAWaiterStillQueued_TakesItOut_AndALaterWakeOneWakesNobody()
    {
        var queue = new WaiterQueue();
        var waiter = new CountingWaiter();
        queue.Add(waiter, through: null);
        Assert.True(queue.Remove(waiter));
        Assert.False(queue.HasWaiters);
        queue.WakeOne();
        Assert.Equal(0, waiter.Signals);
    }
}

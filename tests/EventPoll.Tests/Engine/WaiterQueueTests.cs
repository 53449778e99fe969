using EventPoll.Tests.Rules;
using Xunit;

namespace EventPoll.Tests.Engine;

/// <summary>The blocked-waiter queue's bookkeeping of who was woken and who gave up.</summary>
public sealed class WaiterQueueTests
{
    [Fact]
    public void Remove_OfAWaiterStillQueued_TakesItOut_AndSaysSo()
    {
        var queue = new WaiterQueue();
        var waiter = new CountingWaiter();
        queue.Add(waiter, through: null);
        Assert.True(queue.Remove(waiter));
        Assert.False(queue.HasWaiters);
        Assert.Equal(0, waiter.Signals);
    }

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

    /// <summary>A producer that saw a waiter may find the queue empty by the time it locks it (the waiter gave up): nothing happens.</summary>
    [Fact]
    public void WakeOne_AfterTheOnlyWaiterGaveUp_WakesNobody()
    {
        var queue = new WaiterQueue();
        var waiter = new CountingWaiter();
        queue.Add(waiter, through: null);
        Assert.True(queue.Remove(waiter));
        queue.WakeOne();
        Assert.Equal(0, waiter.Signals);
        Assert.False(queue.HasWaiters);
    }
}

using EventPoll;
using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Rules;

/// <summary>
/// The eventfd's lock-free wakeup of its only epoll item (WaitQueue.WakeSoleWithoutLock): it needs no lock a
/// preempted thread could hold, and a wakeup that reaches an item just after its removal is dropped.
/// </summary>
public class LockFreeWakeRules
{
    private const EpollEvents In = EpollEvents.In;
    private readonly World _w = new();

    [Fact]
    public void EventFd_WriteWakesItsOnlyItem_WhileAnotherThreadHoldsTheQueueLock()
    {
        var (ep, efd, _, _) = _w.WatchedEventFd(In, 7);
        var file = (EventFdFile)_w.File(efd);
        Exception? failure = null;
        var writer = new Thread(() =>
        {
            try { _w.Write(efd); }
            catch (Exception e) { failure = e; }
        });
        file.Queue.SyncRoot.Enter(); // stands for a thread preempted while it holds the eventfd's lock
        try
        {
            writer.Start();
            Bounded.Join(writer, "the write waited for the queue lock");
        }
        finally
        {
            file.Queue.SyncRoot.Exit();
            Bounded.Join(writer, "the write did not finish after the queue lock was released");
        }
        Assert.Null(failure);
        Assert.Equal([7UL], _w.WaitData(ep));
    }

    [Fact]
    public void EventFd_WithTwoWatchers_WakesBoth()
    {
        int ep1 = _w.Create(), ep2 = _w.Create();
        int efd = _w.EventFd();
        Assert.Equal(Errno.None, _w.Add(ep1, efd, In, 1));
        Assert.Equal(Errno.None, _w.Add(ep2, efd, In, 2));
        _w.Write(efd);
        Assert.Equal([1UL], _w.WaitData(ep1));
        Assert.Equal([2UL], _w.WaitData(ep2));
        Assert.Equal(Errno.None, _w.Del(ep2, efd)); // one watcher left: back on the lock-free path
        Assert.Equal(8, _w.Px.Read(efd, new byte[8]));
        _w.Write(efd);
        Assert.Equal([1UL], _w.WaitData(ep1));
    }

    [Fact]
    public void WakeArrivingAfterRemoval_IsDropped_AndLeavesNoDeadCount()
    {
        var (ep, efd, instance, item) = _w.WatchedEventFd(In, 7);
        Assert.Equal(Errno.None, _w.Del(ep, efd));
        _w.Write(efd);                        // the queue is empty now: nothing is woken
        item.OnWake(In);                      // a writer that read the sole entry just before the DEL
        Assert.Equal(1, Volatile.Read(ref item.Queued)); // it did reach the ready queue
        Assert.Equal(EpollEvents.None, instance.Poll(null));
        Assert.Empty(_w.Wait(ep));
        Assert.Equal(0, Internals.Ready(instance).DeadCount);
    }

    [Fact]
    public void RemovalDuringALateWakesEnqueue_CompactionLeavesNoDeadCount()
    {
        var (ep, efd, instance, item) = _w.WatchedEventFd(In, 7);
        Assert.Equal(0, Interlocked.CompareExchange(ref item.Queued, 1, 0)); // a late wakeup's first step: flag set, not linked yet
        Assert.Equal(Errno.None, _w.Del(ep, efd));
        ReadyList ready = Internals.Ready(instance);
        Assert.Equal(1, ready.DeadCount); // counted as a dead entry of the ready structures
        ready.Compact();                    // finds nothing to drop: the link has not been made
        Assert.Equal(0, ready.DeadCount);
        Assert.Empty(_w.Wait(ep));
    }
}

using System.Runtime.CompilerServices;
using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Rules;

/// <summary>
/// The ready list's own rules, white-box where a state cannot be reached through calls: an item is queued once until
/// harvested; compaction drops the removed items and keeps the live ones in their order once the dead outnumber the
/// live (and more than 64 of them); a producer caught between its tail exchange and its link store still counts as
/// queued, and the consumer waits for the link.
/// </summary>
public class ReadyListRules
{
    private const EpollEvents In = EpollEvents.In;
    private const int CompactionFloor = 64; // ReadyList.OnQueuedItemRemoved: no compaction at or below this many dead

    private readonly World _w = new();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TryEnqueue_OfAnItemAlreadyQueued_IsRefused(bool lockedDesign)
    {
        var (_, _, instance, item) = _w.WatchedEventFd(In, 1, initial: 1, new EngineDesign(LockedReadyList: lockedDesign)); // ready: ADD queued it
        Assert.Equal(1, Volatile.Read(ref item.Queued));
        Assert.False(Internals.Ready(instance).TryEnqueue(item));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ModOfAStillQueuedItem_GivesAnEdgeTriggeredWatcherNoNewEdge(bool lockedDesign)
    {
        var (inner, efd, _, _) = _w.WatchedEventFd(In, 1, initial: 1, new EngineDesign(LockedReadyList: lockedDesign));
        int outer = _w.Create();
        Assert.Equal(Errno.None, _w.Add(outer, inner, In | EpollEvents.EdgeTriggered, 2));
        Assert.Equal([2UL], _w.WaitData(outer));
        Assert.Empty(_w.Wait(outer));

        Assert.Equal(Errno.None, _w.Mod(inner, efd, In | EpollEvents.Out, 3)); // the item is still queued in inner
        Assert.Empty(_w.Wait(outer));
        Assert.Equal([3UL], _w.WaitData(inner));
    }

    [Fact]
    public void Compaction_After65DeadOfFewLive_KeepsTheLiveInOrder_AndNewArrivalsBehindThem()
    {
        int ep = _w.Create();
        ReadyList ready = Internals.Ready(_w.Instance(ep));
        var dead = new List<int>();
        Assert.Equal(Errno.None, _w.Add(ep, _w.Fake(In).Fd, In, 1));
        for (int i = 0; i < CompactionFloor + 1; i++)
        {
            int fd = _w.Fake(In).Fd;
            Assert.Equal(Errno.None, _w.Add(ep, fd, In, 100 + (ulong)i));
            dead.Add(fd);
        }
        Assert.Equal(Errno.None, _w.Add(ep, _w.Fake(In).Fd, In, 2));

        foreach (int fd in dead.Take(CompactionFloor)) Assert.Equal(Errno.None, _w.Del(ep, fd));
        Assert.Equal(CompactionFloor, ready.DeadCount); // 64 dead: not compacted yet
        Assert.Equal(Errno.None, _w.Del(ep, dead[^1]));
        Assert.Equal(0, ready.DeadCount);               // the 65th, with 2 live: compacted

        Assert.Equal(Errno.None, _w.Add(ep, _w.Fake(In).Fd, In, 3)); // queued behind the compacted list
        Assert.Equal([1UL, 2UL, 3UL], _w.WaitData(ep));
        Assert.Equal([1UL, 2UL, 3UL], _w.WaitData(ep)); // level-triggered: re-queued in the same order
    }

    [Fact]
    public void Compaction_WaitsUntilTheDeadOutnumberTheLive()
    {
        int ep = _w.Create();
        ReadyList ready = Internals.Ready(_w.Instance(ep));
        for (int i = 0; i < 100; i++) Assert.Equal(Errno.None, _w.Add(ep, _w.Fake(In).Fd, In, (ulong)i));
        var dead = new List<int>();
        for (int i = 0; i < 70; i++)
        {
            int fd = _w.Fake(In).Fd;
            Assert.Equal(Errno.None, _w.Add(ep, fd, In, 1000 + (ulong)i));
            dead.Add(fd);
        }
        foreach (int fd in dead) Assert.Equal(Errno.None, _w.Del(ep, fd));
        Assert.Equal(70, ready.DeadCount); // more than 64, but 100 live items: no compaction
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (ulong)i), _w.WaitData(ep, 200));
        Assert.Equal(0, ready.DeadCount);  // the harvest dropped them as it met them
    }

    [Fact]
    public void Compaction_OfEveryReadyItem_LeavesAnEmptyListThatPollsEmpty()
    {
        int ep = _w.Create();
        Eventpoll instance = _w.Instance(ep);
        ReadyList ready = Internals.Ready(instance);
        var fds = new List<int>();
        for (int i = 0; i < CompactionFloor + 1; i++)
        {
            fds.Add(_w.Fake(In).Fd);
            Assert.Equal(Errno.None, _w.Add(ep, fds[^1], In, (ulong)i));
        }
        foreach (int fd in fds) Assert.Equal(Errno.None, _w.Del(ep, fd));

        Assert.Equal(0, ready.DeadCount);
        Assert.False(ready.MayHaveItems); // the compaction's bracket is closed: nothing in hand
        Assert.Equal(EpollEvents.None, instance.Poll(null));
        Assert.Empty(_w.Wait(ep));
    }

    [Fact]
    public void Compaction_WithDeadItemsLast_KeepsTheListsTail_SoLaterArrivalsQueueBehindTheLive()
    {
        int ep = _w.Create();
        ReadyList ready = Internals.Ready(_w.Instance(ep));
        Assert.Equal(Errno.None, _w.Add(ep, _w.Fake(In).Fd, In, 1));
        var dead = new List<int>();
        for (int i = 0; i < CompactionFloor + 1; i++)
        {
            dead.Add(_w.Fake(In).Fd);
            Assert.Equal(Errno.None, _w.Add(ep, dead[^1], In, 100 + (ulong)i));
        }
        foreach (int fd in dead) Assert.Equal(Errno.None, _w.Del(ep, fd)); // the 65th compacts a list that ends in dead items
        Assert.Equal(0, ready.DeadCount);

        Assert.Equal(Errno.None, _w.Add(ep, _w.Fake(In).Fd, In, 2));
        Assert.Equal([1UL, 2UL], _w.WaitData(ep));
    }

    [Fact]
    public void Compaction_NotWhenTheDeadOnlyEqualTheLive()
    {
        int ep = _w.Create();
        ReadyList ready = Internals.Ready(_w.Instance(ep));
        int count = CompactionFloor + 1;
        for (int i = 0; i < count; i++) Assert.Equal(Errno.None, _w.Add(ep, _w.Fake().Fd, In, (ulong)i)); // live, not ready
        var dead = new List<int>();
        for (int i = 0; i < count; i++)
        {
            dead.Add(_w.Fake(In).Fd);
            Assert.Equal(Errno.None, _w.Add(ep, dead[^1], In, 1000 + (ulong)i));
        }
        foreach (int fd in dead) Assert.Equal(Errno.None, _w.Del(ep, fd));
        Assert.Equal(count, ready.DeadCount); // 65 dead beside 65 live: not compacted
    }

    [Fact]
    public void AScan_AdvancesTheSequenceByTwo_SoAnOverlappingReaderSeesItChange()
    {
        var (ep, _, instance, _) = _w.WatchedEventFd(In, 1, initial: 1);
        ReadyList ready = Internals.Ready(instance);
        int before = ScanSeq(ready);
        Assert.Equal(0, before & 1);
        Assert.Equal([1UL], _w.WaitData(ep));
        Assert.Equal(before + 2, ScanSeq(ready));
        Assert.True(ready.MayHaveItems); // level-triggered: re-queued
    }

    [Fact]
    public void ACompactionOutsideAScan_AdvancesTheSequenceByTwo()
    {
        var (_, _, instance, _) = _w.WatchedEventFd(In, 1, initial: 1);
        ReadyList ready = Internals.Ready(instance);
        int before = ScanSeq(ready);
        ready.Compact(); // the consumer's call; this test's thread is the only one touching the instance
        Assert.Equal(before + 2, ScanSeq(ready)); // a MayHaveItems read overlapping it answers "maybe"
    }

    /// <summary>The locked "before" design (benchmarks only) queues under its gate and releases it: same order, same wakeups.</summary>
    [Fact]
    public void LockedDesign_QueuesInTheKernelsOrder_AndWakesABlockedWaiter()
    {
        int ep = _w.Table.Install(new Eventpoll(_w.Account, new EngineDesign(LockedReadyList: true)));
        Eventpoll instance = _w.Instance(ep);
        Assert.Equal(Errno.None, _w.Add(ep, _w.Fake(In).Fd, In, 1)); // ready at ADD: queued by the ADD (under the gate)
        var (second, secondFd) = _w.Fake();
        Assert.Equal(Errno.None, _w.Add(ep, secondFd, In | EpollEvents.EdgeTriggered, 2));
        Assert.Equal(Errno.None, _w.Add(ep, _w.Fake(In).Fd, In, 3));
        Assert.Equal([1UL, 3UL], _w.WaitData(ep));

        second.Set(In); // the callback, under the gate
        Assert.Equal([1UL, 3UL, 2UL], _w.WaitData(ep));
        Assert.Equal([1UL, 3UL], _w.WaitData(ep));

        int blockedInstanceFd = _w.Table.Install(new Eventpoll(_w.Account, new EngineDesign(LockedReadyList: true)));
        Eventpoll waitedOn = _w.Instance(blockedInstanceFd);
        var (late, lateFd) = _w.Fake();
        Assert.Equal(Errno.None, _w.Add(blockedInstanceFd, lateFd, In | EpollEvents.EdgeTriggered, 7));
        Assert.Equal(new EpollEvent(In, 7), BlockedWait(blockedInstanceFd, waitedOn, () => late.Set(In)));  // woken by the callback
        Assert.Equal(new EpollEvent(In, 8), BlockedWait(blockedInstanceFd, waitedOn,
            () => Assert.Equal(Errno.None, _w.Add(blockedInstanceFd, _w.Fake(In).Fd, In, 8))));           // woken by the ADD
    }

    /// <summary>Blocks a waiter on <paramref name="ep"/>, runs <paramref name="wake"/> once it waits, and returns its one event.</summary>
    private EpollEvent BlockedWait(int ep, Eventpoll instance, Action wake)
    {
        var events = new EpollEvent[4];
        Task<int> waiter = Task.Factory.StartNew(() => _w.Px.EpollWait(ep, events, events.Length, -1),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Bounded.Until(() => Internals.WaiterCount(instance) == 1, "the waiter blocks");
        wake();
        Assert.Equal(1, Bounded.Result(waiter, "the blocked waiter is woken"));
        return events[0];
    }

    [Fact]
    public void ProducerBetweenTailExchangeAndLinkStore_ItemCountsAsQueued_AndTheConsumerWaitsForTheLink()
    {
        int ep = _w.Create();
        var (file, fd) = _w.Fake();
        Assert.Equal(Errno.None, _w.Add(ep, fd, In, 9));
        file.Set(In, key: EpollEvents.Pri); // ready, but the wakeup's key is outside the interest: nothing queued
        Eventpoll instance = _w.Instance(ep);
        EpItem item = Assert.Single(instance.SnapshotItems());
        ReadyList ready = Internals.Ready(instance);
        Assert.False(ready.MayHaveItems);

        // TryEnqueue's first two steps, stopped before its last: the flag is set and the tail exchanged, the link not stored.
        Assert.Equal(0, Interlocked.CompareExchange(ref item.Queued, 1, 0));
        item.NextReady = null;
        EpItem previous = Interlocked.Exchange(ref QueueTail(ready), item);
        Assert.True(ready.MayHaveItems);

        int harvested = -1;
        var events = new EpollEvent[4];
        var consumer = new Thread(() => harvested = _w.Px.EpollWait(ep, events, events.Length, 0));
        consumer.Start();
        // The zero-timeout wait cannot finish before the link is stored: it either ends (a wrong answer) or sleeps in
        // the consumer's wait for the link (the only place a zero-timeout wait with no contention sleeps).
        var failsafe = System.Diagnostics.Stopwatch.StartNew();
        while (consumer.IsAlive && (consumer.ThreadState & ThreadState.WaitSleepJoin) == 0 && failsafe.Elapsed < Failsafe.Limit) Thread.Yield();
        Assert.True(consumer.IsAlive, $"the wait returned {harvested} before the producer linked its item");

        Volatile.Write(ref previous.NextReady, item); // TryEnqueue's last step
        Assert.True(consumer.Join(Failsafe.Limit), "the consumer never saw the link");
        Assert.Equal(1, harvested);
        Assert.Equal(new EpollEvent(In, 9), events[0]);
    }

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_scanSeq")]
    private static extern ref int ScanSeqField(ReadyList list);

    private static int ScanSeq(ReadyList list) => Volatile.Read(ref ScanSeqField(list));

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_queueTail")]
    private static extern ref EpItem QueueTail(ReadyList list);
}

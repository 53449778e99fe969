using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Rules;

/// <summary>
/// ep_send_events and the ready-list order of ep_start_scan/ep_done_scan: a fresh poll masked by the interest,
/// not-ready items dropped, LT re-queued at the tail, leftovers at the head, arrivals during a scan in between.
/// </summary>
public class HarvestRules
{
    private const EpollEvents In = EpollEvents.In;

    /// <summary>A key outside every interest used here: changes a FakeFile's state without queueing anything.</summary>
    private const EpollEvents SilentKey = EpollEvents.Msg;

    private readonly World _w = new();

    [Fact]
    public void ReportedMask_IsAFreshPollMaskedByInterest_NotTheWakeupKey()
    {
        int ep = _w.Create();
        var (file, fd) = _w.Fake();
        Assert.Equal(Errno.None, _w.Add(ep, fd, EpollEvents.In | EpollEvents.Out, 1));
        file.Set(EpollEvents.In | EpollEvents.Pri, key: EpollEvents.In);
        file.Set(EpollEvents.Out | EpollEvents.Pri | EpollEvents.RdHup, key: SilentKey); // changes after queueing
        Assert.Equal([new EpollEvent(EpollEvents.Out, 1)], _w.Wait(ep));
    }

    [Fact]
    public void Item_QueuedOnAPartialKeyMatch_ReportsWhatItIsReadyFor()
    {
        int ep = _w.Create();
        var (file, fd) = _w.Fake();
        Assert.Equal(Errno.None, _w.Add(ep, fd, In, 1));
        file.Set(EpollEvents.In | EpollEvents.Out); // key IN|OUT, interest IN
        Assert.Equal([new EpollEvent(In, 1)], _w.Wait(ep));
    }

    [Fact]
    public void NotReadyAtHarvest_IsDropped_NotRequeued_EvenLevelTriggered()
    {
        int ep = _w.Create();
        var (file, fd) = _w.Fake();
        Assert.Equal(Errno.None, _w.Add(ep, fd, In, 1));
        file.Set(In);
        file.Set(EpollEvents.None, key: SilentKey);
        Assert.Empty(_w.Wait(ep));
        file.Set(In, key: SilentKey); // ready again, but with no wakeup: only a re-queued item would see it
        Assert.Empty(_w.Wait(ep));
        Assert.False(_w.Instance(ep).EventsAvailable);
    }

    [Fact]
    public void LevelTriggered_RequeuedAtTail_LeftoversKeepTheirPlaceAtTheHead()
    {
        int ep = _w.Create();
        for (ulong i = 1; i <= 3; i++)
        {
            var (_, fd) = _w.Fake(In);
            Assert.Equal(Errno.None, _w.Add(ep, fd, In, i));
        }
        Assert.Equal([1UL, 2UL], _w.WaitData(ep, 2));
        Assert.Equal([3UL, 1UL, 2UL], _w.WaitData(ep, 3)); // leftover 3 first, then the re-queued 1, 2
        Assert.Equal([3UL], _w.WaitData(ep, 1));
        Assert.Equal([1UL, 2UL, 3UL], _w.WaitData(ep, 3));
    }

    [Fact]
    public void LevelTriggered_MaxEventsOne_RotatesRoundRobin()
    {
        int ep = _w.Create();
        for (ulong i = 1; i <= 3; i++)
        {
            var (_, fd) = _w.Fake(In);
            Assert.Equal(Errno.None, _w.Add(ep, fd, In, i));
        }
        var order = new List<ulong>();
        for (int i = 0; i < 7; i++) order.AddRange(_w.WaitData(ep, 1));
        Assert.Equal([1UL, 2UL, 3UL, 1UL, 2UL, 3UL, 1UL], order);
    }

    [Fact]
    public void ItemFiringDuringAHarvest_LandsAfterLeftovers_BeforeLevelTriggeredRequeues()
    {
        int ep = _w.Create();
        var (a, fdA) = _w.Fake(In);
        var (_, fdB) = _w.Fake(In);
        var (_, fdC) = _w.Fake(In);
        var (d, fdD) = _w.Fake();
        Assert.Equal(Errno.None, _w.Add(ep, fdA, In, 1));
        Assert.Equal(Errno.None, _w.Add(ep, fdB, In, 2));
        Assert.Equal(Errno.None, _w.Add(ep, fdC, In, 3));
        Assert.Equal(Errno.None, _w.Add(ep, fdD, In, 4));
        bool fired = false;
        a.OnPoll = () =>
        {
            if (fired) return;
            fired = true;
            d.Set(In); // D's wakeup arrives while A is being harvested
        };
        Assert.Equal([1UL, 2UL], _w.WaitData(ep, 2));
        Assert.True(fired);
        // ready list now: leftover C, arrival D, re-queued A, B
        Assert.Equal([3UL, 4UL, 1UL, 2UL], _w.WaitData(ep, 4));
    }

    [Fact]
    public void ItemFiringDuringAHarvestThatTakesEverything_ComesBeforeTheRequeues()
    {
        int ep = _w.Create();
        var (a, fdA) = _w.Fake(In);
        var (_, fdB) = _w.Fake(In);
        var (d, fdD) = _w.Fake();
        Assert.Equal(Errno.None, _w.Add(ep, fdA, In, 1));
        Assert.Equal(Errno.None, _w.Add(ep, fdB, In, 2));
        Assert.Equal(Errno.None, _w.Add(ep, fdD, In, 4));
        bool fired = false;
        a.OnPoll = () =>
        {
            if (fired) return;
            fired = true;
            d.Set(In);
        };
        Assert.Equal([1UL, 2UL], _w.WaitData(ep, 8)); // D arrived during the scan: not in this harvest
        Assert.Equal([4UL, 1UL, 2UL], _w.WaitData(ep, 8));
    }

    [Fact]
    public void Del_OfAReadyItem_NotReported_NoSpuriousWake()
    {
        int ep = _w.Create();
        var (file, fd) = _w.Fake();
        var (_, other) = _w.Fake();
        Assert.Equal(Errno.None, _w.Add(ep, fd, In, 1));
        Assert.Equal(Errno.None, _w.Add(ep, other, In, 2));
        file.Set(In);
        var waiter = new CountingWaiter();
        Eventpoll instance = _w.Instance(ep);
        instance.AddWaiter(waiter, through: null);
        Assert.Equal(Errno.None, _w.Del(ep, fd));
        Assert.Equal(0, waiter.Signals);
        Assert.True(instance.RemoveWaiter(waiter)); // still queued: never woken
        Assert.Equal(EpollEvents.None, instance.Poll(null)); // the instance is not readable either
        Assert.Empty(_w.Wait(ep));
        Assert.Equal(0, Internals.Ready(instance).DeadCount);
        file.Set(EpollEvents.None);
        file.Set(In); // the file no longer reaches the instance
        Assert.Empty(_w.Wait(ep));
    }

    [Fact]
    public void ModInToOut_OnAQueuedItem_ReportsOnlyOut_Once()
    {
        int ep = _w.Create();
        var (file, fd) = _w.Fake();
        Assert.Equal(Errno.None, _w.Add(ep, fd, In, 1));
        file.Set(EpollEvents.In | EpollEvents.Out); // queued for IN
        Assert.Equal(Errno.None, _w.Mod(ep, fd, EpollEvents.Out, 2));
        Assert.Equal([new EpollEvent(EpollEvents.Out, 2)], _w.Wait(ep));
    }

    [Fact]
    public void ModOfAReadableEdgeTriggeredItem_GivesOneNewEvent()
    {
        int ep = _w.Create();
        int e = _w.EventFd(1);
        Assert.Equal(Errno.None, _w.Add(ep, e, In | EpollEvents.EdgeTriggered, 1));
        Assert.Single(_w.Wait(ep));
        Assert.Empty(_w.Wait(ep));
        Assert.Equal(Errno.None, _w.Mod(ep, e, In | EpollEvents.EdgeTriggered, 2));
        Assert.Equal([new EpollEvent(In, 2)], _w.Wait(ep));
        Assert.Empty(_w.Wait(ep));
    }

    [Fact]
    public void RepeatedWakeupsBetweenWaits_AreMergedIntoOneReport()
    {
        int ep = _w.Create();
        int e = _w.EventFd();
        Assert.Equal(Errno.None, _w.Add(ep, e, In | EpollEvents.EdgeTriggered, 1));
        _w.Write(e);
        _w.Write(e);
        _w.Write(e);
        Assert.Single(_w.Wait(ep));
        Assert.Empty(_w.Wait(ep));
    }

    [Fact]
    public void BatonPass_HarvestLeavingItems_WakesTheNextWaiter()
    {
        int ep = _w.Create();
        var (_, fd) = _w.Fake(In);
        Assert.Equal(Errno.None, _w.Add(ep, fd, In, 1));
        var waiter = new CountingWaiter();
        Eventpoll instance = _w.Instance(ep);
        instance.AddWaiter(waiter, through: null);
        Assert.Single(_w.Wait(ep)); // LT: the item is re-queued, so the harvest passes the baton
        Assert.Equal(1, waiter.Signals);
    }

    [Fact]
    public void NoBatonPass_WhenTheHarvestEmptiedTheList()
    {
        int ep = _w.Create();
        var (_, fd) = _w.Fake(In);
        Assert.Equal(Errno.None, _w.Add(ep, fd, In | EpollEvents.EdgeTriggered, 1));
        var waiter = new CountingWaiter();
        Eventpoll instance = _w.Instance(ep);
        instance.AddWaiter(waiter, through: null);
        Assert.Single(_w.Wait(ep));
        Assert.Equal(0, waiter.Signals);
        Assert.True(instance.RemoveWaiter(waiter));
    }
}

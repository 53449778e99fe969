using EventPoll.Tests.Rules;
using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// epoll_ctl and wakeup behaviours of the engine that mutation testing found unpinned (Eventpoll.Ctl.cs and
/// Eventpoll.cs): each test names the behaviour it checks and fails on the mutant noted beside it.
/// </summary>
public class CtlMutationTests
{
    private readonly World _w = new();

    // CtlCheckedSlow: the full check (loop check included) for every op, not only ADD, makes these ELOOP.
    [Fact]
    public void DelAndModOfAnInstanceThatWatchesThisOne_AreEnoent_TheLoopCheckIsAddsAlone()
    {
        int outer = _w.Create();
        int inner = _w.Create();
        Assert.Equal(Errno.None, _w.Add(outer, inner, EpollEvents.In));
        Assert.Equal(Errno.ENOENT, _w.Del(inner, outer));
        Assert.Equal(Errno.ENOENT, _w.Mod(inner, outer, EpollEvents.In));
    }

    // ExclusiveWakeConsumed, case 0: false passes a wakeup of neither IN nor OUT on to the next exclusive instance.
    [Fact]
    public void Exclusive_KeyWithNeitherInNorOut_IsConsumedByTheInstanceWithAWaiter()
    {
        (FakeFile file, int first, int second, CountingWaiter waiter) = TwoExclusiveInstances(EpollEvents.In, EpollEvents.In);
        file.Set(EpollEvents.In | EpollEvents.Hup, key: EpollEvents.Hup);
        Assert.Equal(1, waiter.Signals);
        Assert.Equal([1UL], _w.WaitData(first));
        Assert.Empty(_w.Wait(second));
    }

    // ExclusiveWakeConsumed, case IN: `events | In` makes an OUT-only instance consume an IN wakeup.
    [Fact]
    public void Exclusive_InWakeup_IsPassedOnByAnInstanceWatchingOnlyForOut()
    {
        (FakeFile file, int first, int second, CountingWaiter waiter) = TwoExclusiveInstances(EpollEvents.Out, EpollEvents.In);
        file.Set(EpollEvents.In | EpollEvents.Hup, key: EpollEvents.In | EpollEvents.Hup); // HUP reaches the OUT-only item
        Assert.Equal(1, waiter.Signals);
        Assert.Equal([1UL], _w.WaitData(first));
        Assert.Equal([2UL], _w.WaitData(second));
    }

    // ExclusiveWakeConsumed, case OUT: `== 0` or `events | Out` makes an IN-only instance consume an OUT wakeup.
    [Fact]
    public void Exclusive_OutWakeup_IsPassedOnByAnInstanceWatchingOnlyForIn()
    {
        (FakeFile file, int first, int second, CountingWaiter waiter) = TwoExclusiveInstances(EpollEvents.In, EpollEvents.Out);
        file.Set(EpollEvents.Out | EpollEvents.Hup, key: EpollEvents.Out | EpollEvents.Hup);
        Assert.Equal(1, waiter.Signals);
        Assert.Equal([1UL], _w.WaitData(first));
        Assert.Equal([2UL], _w.WaitData(second));
    }

    // OnItemWake: `events | ~PrivateBits` never sees a disabled ONESHOT item, which a wakeup naming no events (key 0,
    // which the key check lets through) then queues, waking a waiter.
    [Fact]
    public void ADisabledOneShotItem_IgnoresAWakeupNamingNoEvents_QueuingNothingAndWakingNoWaiter()
    {
        var (file, fd) = _w.Fake(EpollEvents.In);
        int ep = _w.Create();
        Assert.Equal(Errno.None, _w.Add(ep, fd, EpollEvents.In | EpollEvents.OneShot, 7));
        Assert.Equal([7UL], _w.WaitData(ep)); // delivered: the item is disabled now
        Eventpoll instance = _w.Instance(ep);
        var waiter = new CountingWaiter();
        instance.AddWaiter(waiter, through: null);
        file.Wake(EpollEvents.None);
        Assert.Equal(0, waiter.Signals);
        Assert.False(instance.EventsAvailable);
        Assert.True(instance.RemoveWaiter(waiter));
    }

    // The constructor: `design ?? Default` turned into `Default` runs the product design whatever was asked.
    [Fact]
    public void AnInstance_RunsTheDesignItWasMadeWith()
    {
        var design = new EngineDesign(LockedReadyList: true);
        var instance = new Eventpoll(_w.Account, design);
        int ep = _w.Table.Install(instance);
        Assert.Same(design, instance.Design);
        Assert.NotNull(instance.Ready.Gate); // the ready list of the locked design
        _w.Close(ep);
    }

    // ItemRegistrar.Register: without its null check a null queue fails as a NullReferenceException inside the engine.
    [Fact]
    public void ASourceRegisteringANullQueue_GetsArgumentNullException()
    {
        int ep = _w.Create();
        int fd = _w.Table.Install(new TableMisusingSource(registerNull: true));
        Assert.Throws<ArgumentNullException>(() => _w.Add(ep, fd, EpollEvents.In));
    }

    // ItemRegistrar.Register: the sentence of a poll table used after the poll it was passed to.
    [Fact]
    public void APollTableUsedAfterItsPoll_IsInvalidOperation_SayingSo()
    {
        int ep = _w.Create();
        var source = new TableMisusingSource(registerNull: false);
        int fd = _w.Table.Install(source);
        Assert.Equal(Errno.None, _w.Add(ep, fd, EpollEvents.In));
        var e = Assert.Throws<InvalidOperationException>(source.RegisterAgain);
        Assert.Equal("a poll table may only be used during the poll it was passed to", e.Message);
    }

    /// <summary>
    /// A file watched with EPOLLEXCLUSIVE by two instances (data 1 and 2, in that order on its queue) for
    /// <paramref name="firstEvents"/> and <paramref name="secondEvents"/>; the first has a blocked waiter, so its item
    /// may consume a wakeup.
    /// </summary>
    private (FakeFile File, int First, int Second, CountingWaiter Waiter) TwoExclusiveInstances(EpollEvents firstEvents, EpollEvents secondEvents)
    {
        var (file, fd) = _w.Fake();
        int first = _w.Create();
        int second = _w.Create();
        Assert.Equal(Errno.None, _w.Add(first, fd, firstEvents | EpollEvents.Exclusive, 1));
        Assert.Equal(Errno.None, _w.Add(second, fd, secondEvents | EpollEvents.Exclusive, 2));
        var waiter = new CountingWaiter();
        _w.Instance(first).AddWaiter(waiter, through: null);
        return (file, first, second, waiter);
    }

    /// <summary>A source of the user's that misuses the poll table: registers a null queue, or keeps the table.</summary>
    private sealed class TableMisusingSource(bool registerNull) : OpenFile
    {
        private readonly WaitQueue _queue = new();
        private PollTable? _kept;

        public override EpollEvents Poll(PollTable? table)
        {
            if (table is null) return EpollEvents.None;
            table.Register(registerNull ? null! : _queue);
            _kept = table;
            return EpollEvents.None;
        }

        /// <summary>Registers with the table of the last poll, after that poll returned.</summary>
        public void RegisterAgain() => _kept!.Register(_queue);
    }
}

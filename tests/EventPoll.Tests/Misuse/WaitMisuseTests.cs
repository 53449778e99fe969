using EventPoll.Tests.Rules;
using Xunit;

namespace EventPoll.Tests.Misuse;

/// <summary>
/// Issue 12, findings 2 and 3: disposing an <see cref="Epoll"/> ends the waits blocked on that handle with
/// <see cref="ObjectDisposedException"/> (close(2) through the POSIX face keeps Linux's rule and wakes no one), and
/// cancellation is <see cref="OperationCanceledException"/> carrying the token (POSIX: EINTR). Also the scenarios
/// that held before and must keep holding: many concurrent async waits, int.MaxValue timeouts.
/// </summary>
public class WaitMisuseTests
{
    private readonly World _w = new();

    [Fact]
    public async Task Dispose_EndsABlockedWait_OnAnEmptyInstance_WithObjectDisposed()
    {
        var epoll = new Epoll(_w.Table, _w.Account);
        Eventpoll instance = _w.Instance(epoll.Fd);
        Task<int> wait = StartWait(() => epoll.Wait(new EpollEvent[4], -1));
        Internals.AwaitWaiters(instance, 1);

        epoll.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => wait.Bounded());
        Assert.Equal(0, Internals.WaiterCount(instance));
        Assert.Empty(_w.Table.OpenDescriptors()); // the wait's exit closed the descriptor
    }

    [Fact]
    public async Task Dispose_EndsAPendingWaitAsync_WithoutAToken_WithObjectDisposed()
    {
        var epoll = new Epoll(_w.Table, _w.Account);
        Eventpoll instance = _w.Instance(epoll.Fd);
        ValueTask<int> pending = epoll.WaitAsync(new EpollEvent[4]);
        Assert.False(pending.IsCompleted);

        epoll.Dispose();

        Task<int> task = pending.AsTask();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => task.Bounded());
        Assert.True(task.IsFaulted);
        Assert.Equal(0, Internals.WaiterCount(instance));
    }

    [Fact]
    public async Task Dispose_OfOneInstance_LosesNoWakeupOfAnother_NorOfOtherDescriptorsOfItsOwn()
    {
        using var source = new EventFd(table: _w.Table);
        var disposed = new Epoll(_w.Table, _w.Account);
        using var other = new Epoll(_w.Table, _w.Account);
        disposed.Add(source, EpollEvents.In | EpollEvents.EdgeTriggered, 1);
        other.Add(source, EpollEvents.In | EpollEvents.EdgeTriggered, 2);
        int dup = _w.Px.Dup(disposed.Fd); // a second descriptor of the same instance, waited on through the POSIX face
        Eventpoll instance = _w.Instance(dup);

        Task<int> viaHandle = StartWait(() => disposed.Wait(new EpollEvent[4], -1));
        Task<int> viaDup = StartWait(() => _w.Px.EpollWait(dup, new EpollEvent[4], 4, -1));
        Task<int> onOther = StartWait(() => other.Wait(new EpollEvent[4], -1));
        Internals.AwaitWaiters(instance, 2);
        Internals.AwaitWaiters(_w.Instance(other.Fd), 1);

        disposed.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => viaHandle.Bounded());
        Assert.Equal(1, Internals.WaiterCount(instance)); // the dup's waiter is still blocked
        Assert.False(onOther.IsCompleted);

        source.Signal();
        Assert.Equal(1, await viaDup.Bounded());
        Assert.Equal(1, await onOther.Bounded());
        Assert.Equal(0, _w.Px.Close(dup));
    }

    [Fact]
    public void Dispose_WakesOnlyTheWaitsThroughItsHandle_TheOthersKeepTheirPlaces()
    {
        // White-box: the instance's exclusive waiters in FIFO order, the second through the handle being disposed. A
        // wakeup of the others would cost them their places (a woken waiter that finds nothing queues at the tail).
        var disposed = new Epoll(_w.Table, _w.Account);
        using var other = new Epoll(_w.Table, _w.Account); // a handle not disposed, of another instance
        Eventpoll instance = _w.Instance(disposed.Fd);
        CountingWaiter first = new(), through = new(), otherHandle = new(), posix = new();
        instance.AddWaiter(first, through: null);
        instance.AddWaiter(through, disposed);
        instance.AddWaiter(otherHandle, other);
        instance.AddWaiter(posix, through: null);

        disposed.Dispose();

        Assert.Equal([0, 1, 0, 0], new[] { first.Signals, through.Signals, otherHandle.Signals, posix.Signals });
        Assert.Equal(3, Internals.WaiterCount(instance));
        Assert.False(instance.RemoveWaiter(through)); // dequeued by the disposal
        instance.WakeWaiterForKernel(); // one wakeup: the longest-waiting waiter still comes first
        Assert.Equal(1, first.Signals);
        Assert.Equal(0, otherHandle.Signals);
        Assert.True(instance.RemoveWaiter(otherHandle) && instance.RemoveWaiter(posix));
    }

    [Fact]
    public async Task PosixClose_OfAnEpollDescriptor_WakesNoWaiter_AsOnLinux()
    {
        int ep = _w.Create();
        int efd = _w.EventFd();
        Assert.Equal(Errno.None, _w.Add(ep, efd, EpollEvents.In, 3));
        Eventpoll instance = _w.Instance(ep);
        var events = new EpollEvent[4];
        Task<int> wait = StartWait(() => _w.Px.EpollWait(ep, events, 4, -1));
        Internals.AwaitWaiters(instance, 1);

        _w.Close(ep);
        Assert.Equal(1, Internals.WaiterCount(instance)); // a wakeup would have dequeued it synchronously

        _w.Write(efd); // the blocked wait still holds the instance, which still watches the eventfd
        Assert.Equal(1, await wait.Bounded());
        Assert.Equal(new EpollEvent(EpollEvents.In, 3), events[0]);
    }

    [Fact]
    public async Task Cancellation_IsOperationCanceled_WithTheToken_ForWaitAndWaitAsync_AndEintrThroughPosix()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        using var cts = new CancellationTokenSource();
        Task<int> wait = StartWait(() => epoll.Wait(new EpollEvent[4], -1, cts.Token));
        ValueTask<int> pending = epoll.WaitAsync(new EpollEvent[4], cts.Token);
        Task<int> posix = StartWait(() => _w.Px.EpollWait(epoll.Fd, new EpollEvent[4], 4, -1, cts.Token) < 0 ? (int)Posix.Errno : 0);
        Internals.AwaitWaiters(_w.Instance(epoll.Fd), 3);

        await cts.CancelAsync();

        Assert.Equal(cts.Token, (await Assert.ThrowsAsync<OperationCanceledException>(() => wait.Bounded())).CancellationToken);
        Task<int> task = pending.AsTask();
        Assert.Equal(cts.Token, (await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.Bounded())).CancellationToken);
        Assert.True(task.IsCanceled); // Canceled, not Faulted
        Assert.Equal((int)Errno.EINTR, await posix.Bounded());
    }

    [Fact]
    public async Task AThousandConcurrentWaitAsync_AllCompleteOnOneLevelTriggeredEvent_ThenOnDispose()
    {
        using var source = new EventFd(table: _w.Table);
        var epoll = new Epoll(_w.Table, _w.Account);
        epoll.Add(source, EpollEvents.In, 9);
        var waits = new Task<int>[1000];
        var buffers = new EpollEvent[waits.Length][];
        for (int i = 0; i < waits.Length; i++)
        {
            buffers[i] = new EpollEvent[1];
            waits[i] = epoll.WaitAsync(buffers[i]).AsTask();
        }
        Assert.Equal(waits.Length, Internals.WaiterCount(_w.Instance(epoll.Fd)));

        source.Signal(); // level-triggered: each harvest re-queues the item and passes the wakeup on
        Assert.All(await Task.WhenAll(waits).WaitAsync(Failsafe.Limit), n => Assert.Equal(1, n));
        Assert.All(buffers, b => Assert.Equal(new EpollEvent(EpollEvents.In, 9), b[0]));

        source.Consume();
        for (int i = 0; i < waits.Length; i++) waits[i] = epoll.WaitAsync(buffers[i]).AsTask();
        epoll.Dispose();
        foreach (Task<int> w in waits) await Assert.ThrowsAsync<ObjectDisposedException>(() => w.Bounded());
    }

    [Fact]
    public async Task IntMaxValueTimeouts_WaitLikeInfinite_AndStillEndOnEventsAndCancellation()
    {
        using var source = new EventFd(table: _w.Table);
        using var epoll = new Epoll(_w.Table, _w.Account);
        epoll.Add(source, EpollEvents.In | EpollEvents.EdgeTriggered);
        Eventpoll instance = _w.Instance(epoll.Fd);

        Task<int> wait = StartWait(() => epoll.Wait(new EpollEvent[1], int.MaxValue));
        Internals.AwaitWaiters(instance, 1);
        source.Signal();
        Assert.Equal(1, await wait.Bounded());

        ValueTask<int> pending = epoll.WaitAsync(new EpollEvent[1], TimeSpan.FromMilliseconds(int.MaxValue));
        Assert.False(pending.IsCompleted);
        source.Signal();
        Assert.Equal(1, await pending.Bounded());

        using var cts = new CancellationTokenSource();
        Task<int> cancelled = StartWait(() => epoll.Wait(new EpollEvent[1], int.MaxValue, cts.Token));
        Internals.AwaitWaiters(instance, 1);
        await cts.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() => cancelled.Bounded());
    }

    [Fact]
    public async Task AsyncWait_CancelledBetweenItsCheckAndItsRegistration_StillEnds()
    {
        // Epoll.WaitAsync checks the tokens, then the pooled waiter registers on them. A Dispose (or the caller's
        // cancellation) landing in between runs the registration's callback at once, before the waiter is queued;
        // starting the waiter with an already-cancelled token puts it in exactly that window.
        int ep = _w.Create();
        var waiter = new AsyncWaiter(_w.Instance(ep));
        var disposed = new Epoll(); // the handle the wait came through, disposed before the waiter registers
        disposed.Dispose();
        ValueTask<int> wait = waiter.Start(new EpollEvent[1], -1, new WaitCancellation(CancellationToken.None, disposed));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => wait.Bounded());
        Assert.Equal(0, Internals.WaiterCount(_w.Instance(ep)));
    }

    private static Task<int> StartWait(Func<int> wait)
        => Task.Factory.StartNew(wait, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}

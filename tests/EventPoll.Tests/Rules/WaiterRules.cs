using Xunit;

namespace EventPoll.Tests.Rules;

/// <summary>
/// Blocked waiters queue exclusively on the instance: one wakeup wakes one waiter (selftest epoll10 shape),
/// and a harvest that leaves items behind wakes the next waiter (the baton pass, selftests epoll9/epoll64).
/// </summary>
public class WaiterRules
{
    private readonly World _w = new();

    private static Task<int> StartWait(Epoll epoll, EpollEvent[] buf, CancellationToken token)
        => Task.Factory.StartNew(() => epoll.Wait(buf, -1, token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    [Fact]
    public async Task OneWakeup_WakesExactlyOneOfTwoBlockedWaiters_EdgeTriggered()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        using var e = new EventFd(table: _w.Table);
        epoll.Add(e, EpollEvents.In | EpollEvents.EdgeTriggered, 1);
        Eventpoll instance = _w.Instance(epoll.Fd);
        using var cts1 = new CancellationTokenSource();
        using var cts2 = new CancellationTokenSource();
        Task<int> first = StartWait(epoll, new EpollEvent[4], cts1.Token);
        Task<int> second = StartWait(epoll, new EpollEvent[4], cts2.Token);
        Internals.AwaitWaiters(instance, 2);

        e.Signal();
        Task<int> done = await Task.WhenAny(first, second).Bounded();
        Assert.Equal(1, await done);
        Task<int> other = done == first ? second : first;
        // Exactly one waiter left the queue; the other is still blocked (nothing can wake it but a new event).
        Assert.Equal(1, Internals.WaiterCount(instance));
        Assert.False(other.IsCompleted);

        await (other == first ? cts1 : cts2).CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => other.Bounded());
    }

    [Fact]
    public async Task BatonPass_LevelTriggered_OneWakeup_BothWaitersReturn()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        using var e = new EventFd(table: _w.Table);
        epoll.Add(e, EpollEvents.In, 1);
        Eventpoll instance = _w.Instance(epoll.Fd);
        var buf1 = new EpollEvent[4];
        var buf2 = new EpollEvent[4];
        Task<int> first = StartWait(epoll, buf1, CancellationToken.None);
        Task<int> second = StartWait(epoll, buf2, CancellationToken.None);
        Internals.AwaitWaiters(instance, 2);

        e.Signal(); // one callback wakes one waiter; its harvest re-queues the LT item and passes the baton
        int[] results = await Task.WhenAll(first, second).Bounded();
        Assert.Equal([1, 1], results);
        Assert.Equal(new EpollEvent(EpollEvents.In, 1), buf1[0]);
        Assert.Equal(new EpollEvent(EpollEvents.In, 1), buf2[0]);
    }

    [Fact]
    public async Task AsyncWaiters_AreExclusiveToo_OneWakeupCompletesOne()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        using var e = new EventFd(table: _w.Table);
        epoll.Add(e, EpollEvents.In | EpollEvents.EdgeTriggered, 1);
        Eventpoll instance = _w.Instance(epoll.Fd);
        using var cts = new CancellationTokenSource();
        Task<int> a = epoll.WaitAsync(new EpollEvent[4], cts.Token).AsTask();
        Task<int> b = epoll.WaitAsync(new EpollEvent[4], cts.Token).AsTask();
        Assert.Equal(2, Internals.WaiterCount(instance));

        e.Signal();
        Task<int> done = await Task.WhenAny(a, b).Bounded();
        Assert.Equal(1, await done);
        Assert.Equal(1, Internals.WaiterCount(instance));
        Task<int> other = done == a ? b : a;
        Assert.False(other.IsCompleted);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => other.Bounded());
    }
}

using EventPoll.Tests.Support;
using System.Diagnostics;
using Xunit;

namespace EventPoll.Tests.Rules;

/// <summary>
/// epoll_wait's arguments and outcomes: maxevents in [1, INT_MAX/12], timeouts (negative = infinite, 0 never
/// blocks, TimeSpan overloads), cancellation as the EINTR analogue (events beat it), and WaitAsync.
/// Probed on Linux 6.18: maxevents 0 and INT_MAX/12+1 are EINVAL, INT_MAX/12 is accepted; EBADF before EINVAL.
/// </summary>
public class WaitCallRules
{
    private readonly World _w = new();

    [Fact]
    public void MaxEventsBound_IsIntMaxOverTwelve()
        => Assert.Equal(178_956_970, Eventpoll.MaxEvents);

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue / 12 + 1)]
    [InlineData(int.MaxValue)]
    public void MaxEventsOutsideBounds_IsEinval(int maxEvents)
    {
        int ep = _w.Create();
        Assert.Equal(-1, _w.Px.EpollWait(ep, new EpollEvent[1], maxEvents, 0));
        Assert.Equal(Errno.EINVAL, Posix.Errno);
    }

    [Fact]
    public void MaxEventsLowerEdge_OneIsAccepted()
    {
        int ep = _w.Create();
        Assert.Equal(0, _w.Px.EpollWait(ep, new EpollEvent[1], 1, 0));
    }

    [Fact]
    public void MaxEventsUpperEdge_IntMaxOverTwelveIsAccepted()
    {
        int ep = _w.Create();
        int e = _w.EventFd(1);
        Assert.Equal(Errno.None, _w.Add(ep, e, EpollEvents.In, 1));
        var buf = new EpollEvent[4];
        Assert.Equal(1, _w.Instance(ep).Wait(buf, Eventpoll.MaxEvents, 0, CancellationToken.None));
        Assert.Equal(-(int)Errno.EINVAL, _w.Instance(ep).Wait(buf, Eventpoll.MaxEvents + 1, 0, CancellationToken.None));
        // Through the facade the bound check passes and only the short buffer is refused (EFAULT, not EINVAL).
        Assert.Equal(-1, _w.Px.EpollWait(ep, buf, Eventpoll.MaxEvents, 0));
        Assert.Equal(Errno.EFAULT, Posix.Errno);
    }

    [Fact]
    public void Ebadf_BeatsMaxEventsEinval_NonEpollIsEinval()
    {
        Assert.Equal(-1, _w.Px.EpollWait(999, new EpollEvent[1], 0, 0));
        Assert.Equal(Errno.EBADF, Posix.Errno);
        int e = _w.EventFd();
        Assert.Equal(-1, _w.Px.EpollWait(e, new EpollEvent[1], 1, 0));
        Assert.Equal(Errno.EINVAL, Posix.Errno);
    }

    [Fact]
    public void EmptySpan_IsEinval()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        Assert.Equal(Errno.EINVAL, Assert.Throws<EpollException>(() => epoll.Wait([], 0)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<EpollException>(() => epoll.WaitAsync(Memory<EpollEvent>.Empty).GetAwaiter().GetResult()).Errno);
    }

    [Fact]
    public void ZeroTimeout_ReturnsAtOnce_WithoutQueueingAWaiter()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        Assert.Equal(0, epoll.Wait(new EpollEvent[4], 0));
        Assert.Equal(0, epoll.Wait(new EpollEvent[4], TimeSpan.Zero));
        Assert.Equal(0, Internals.WaiterCount(_w.Instance(epoll.Fd)));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(-1000)]
    [InlineData(int.MinValue)]
    public async Task NegativeTimeout_WaitsUntilCancelled_ThenOperationCanceled(int timeout)
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        using var cts = new CancellationTokenSource();
        Task<int> wait = Task.Factory.StartNew(() => epoll.Wait(new EpollEvent[4], timeout, cts.Token), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Internals.AwaitWaiters(_w.Instance(epoll.Fd), 1);
        Assert.False(wait.IsCompleted);
        await cts.CancelAsync();
        Assert.Equal(cts.Token, (await Assert.ThrowsAsync<OperationCanceledException>(() => wait.Bounded())).CancellationToken);
    }

    [Fact]
    public async Task InfiniteTimeSpan_WaitsUntilAnEvent()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        using var e = new EventFd(table: _w.Table);
        epoll.Add(e, EpollEvents.In, 3);
        var buf = new EpollEvent[4];
        Task<int> wait = Task.Factory.StartNew(() => epoll.Wait(buf, Timeout.InfiniteTimeSpan), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Internals.AwaitWaiters(_w.Instance(epoll.Fd), 1);
        e.Signal();
        Assert.Equal(1, await wait.Bounded());
        Assert.Equal(new EpollEvent(EpollEvents.In, 3), buf[0]);
    }

    [Fact]
    public void PositiveTimeout_ReturnsZeroAfterItPasses_OnAMonotonicClock()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        var sw = Stopwatch.StartNew();
        Assert.Equal(0, epoll.Wait(new EpollEvent[4], 30));
        Assert.True(sw.ElapsedMilliseconds >= 20, $"returned after {sw.ElapsedMilliseconds} ms");
        sw.Restart();
        Assert.Equal(0, epoll.Wait(new EpollEvent[4], TimeSpan.FromMilliseconds(30)));
        Assert.True(sw.ElapsedMilliseconds >= 20, $"returned after {sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void TimeSpanTimeouts_RoundUpToMilliseconds_NegativeOtherThanInfiniteRejected()
    {
        Assert.Equal(-1, Epoll.ToMilliseconds(Timeout.InfiniteTimeSpan));
        Assert.Equal(0, Epoll.ToMilliseconds(TimeSpan.Zero));
        Assert.Equal(1, Epoll.ToMilliseconds(TimeSpan.FromTicks(1)));
        Assert.Equal(2, Epoll.ToMilliseconds(TimeSpan.FromMilliseconds(1.5)));
        using var epoll = new Epoll(_w.Table, _w.Account);
        Assert.Throws<ArgumentOutOfRangeException>(() => epoll.Wait(new EpollEvent[1], TimeSpan.FromMilliseconds(-2)));
    }

    [Fact]
    public void EventsBeatCancellation_Sync()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        using var e = new EventFd(1, table: _w.Table);
        epoll.Add(e, EpollEvents.In, 5);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var buf = new EpollEvent[4];
        Assert.Equal(1, epoll.Wait(buf, -1, cts.Token));
        Assert.Equal(new EpollEvent(EpollEvents.In, 5), buf[0]);
    }

    [Fact]
    public void CancelledBeforeAnyEvent_IsOperationCanceled_EintrThroughPosix_ButZeroTimeoutReturnsZero()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Equal(0, epoll.Wait(new EpollEvent[4], 0, cts.Token)); // timed out before the signal check
        Assert.Equal(cts.Token, Assert.Throws<OperationCanceledException>(
            () => Bounded.Call(() => epoll.Wait(new EpollEvent[4], -1, cts.Token), "an infinite wait ignored its cancelled token")).CancellationToken);
        Assert.Equal(-1, _w.Px.EpollWait(epoll.Fd, new EpollEvent[4], 4, 100, cts.Token));
        Assert.Equal(Errno.EINTR, Posix.Errno);
    }

    [Fact]
    public async Task EventsBeatCancellation_Async()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        using var e = new EventFd(1, table: _w.Table);
        epoll.Add(e, EpollEvents.In, 5);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        Assert.Equal(1, await epoll.WaitAsync(new EpollEvent[4], cts.Token));
    }

    [Fact]
    public async Task WaitAsync_CompletesSynchronously_WhenReady()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        using var e = new EventFd(1, table: _w.Table);
        epoll.Add(e, EpollEvents.In, 5);
        var buf = new EpollEvent[4];
        ValueTask<int> vt = epoll.WaitAsync(buf);
        Assert.True(vt.IsCompletedSuccessfully);
        Assert.Equal(1, await vt);
        Assert.Equal(new EpollEvent(EpollEvents.In, 5), buf[0]);
    }

    [Fact]
    public async Task WaitAsync_CompletesOnWakeup()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        using var e = new EventFd(table: _w.Table);
        epoll.Add(e, EpollEvents.In, 6);
        var buf = new EpollEvent[4];
        ValueTask<int> vt = epoll.WaitAsync(buf);
        Assert.False(vt.IsCompleted);
        Assert.Equal(1, Internals.WaiterCount(_w.Instance(epoll.Fd)));
        e.Signal();
        Assert.Equal(1, await vt.Bounded());
        Assert.Equal(new EpollEvent(EpollEvents.In, 6), buf[0]);
    }

    [Fact]
    public async Task WaitAsync_ZeroTimeout_CompletesAtOnceWithZero_PositiveTimeoutCompletesWithZero()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        ValueTask<int> vt = epoll.WaitAsync(new EpollEvent[4], TimeSpan.Zero);
        Assert.True(vt.IsCompletedSuccessfully);
        Assert.Equal(0, await vt);
        Assert.Equal(0, await epoll.WaitAsync(new EpollEvent[4], TimeSpan.FromMilliseconds(10)).Bounded());
        Assert.Equal(0, Internals.WaiterCount(_w.Instance(epoll.Fd)));
    }

    [Fact]
    public async Task WaitAsync_Cancellation_IsCanceledTask_CarryingTheToken()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        using var cts = new CancellationTokenSource();
        ValueTask<int> vt = epoll.WaitAsync(new EpollEvent[4], cts.Token);
        Assert.False(vt.IsCompleted);
        await cts.CancelAsync();
        Task<int> task = vt.AsTask();
        Assert.Equal(cts.Token, (await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.Bounded())).CancellationToken);
        Assert.True(task.IsCanceled);
        Assert.Equal(0, Internals.WaiterCount(_w.Instance(epoll.Fd)));

        // Already cancelled and nothing ready: Canceled at once.
        ValueTask<int> pre = epoll.WaitAsync(new EpollEvent[4], cts.Token);
        Assert.True(pre.IsCanceled);
        Assert.Equal(cts.Token, (await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pre)).CancellationToken);
    }

    [Fact]
    public void WaitAsync_SynchronousCompletion_AllocatesNothingInSteadyState()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        using var e = new EventFd(1, table: _w.Table);
        epoll.Add(e, EpollEvents.In, 5); // level-triggered and always ready: every call completes synchronously
        Memory<EpollEvent> buf = new EpollEvent[4];
        int total = 0;
        for (int i = 0; i < 100; i++) total += Consume(epoll.WaitAsync(buf)); // warm-up (JIT, tiering)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) total += Consume(epoll.WaitAsync(buf));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(10_100, total);
        Assert.Equal(0, allocated);

        static int Consume(ValueTask<int> vt)
        {
            Assert.True(vt.IsCompletedSuccessfully);
            return vt.Result;
        }
    }
}

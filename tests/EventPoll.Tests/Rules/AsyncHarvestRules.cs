using System.Runtime.CompilerServices;
using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Rules;

/// <summary>
/// Where an asynchronous wait harvests: a wakeup that lands before anyone awaits is harvested by the thread that
/// collects the result (as the kernel's woken waiter harvests on its own thread), with no thread-pool hop; a
/// continuation registered after such a wakeup, or before it, is still run with the events.
/// </summary>
public sealed class AsyncHarvestRules : IDisposable
{
    private readonly DescriptorTable _table = new(DescriptorTable.FallbackLimit);
    private readonly Epoll _epoll;
    private readonly EventFd _source;

    public AsyncHarvestRules()
    {
        _epoll = new Epoll(_table, new WatchAccount(64));
        _source = new EventFd(table: _table);
        _epoll.Add(_source, EpollEvents.In, 7);
    }

    public void Dispose()
    {
        _source.Dispose();
        _epoll.Dispose();
    }

    [Fact]
    public async Task WakeupBeforeAwait_IsHarvestedByTheCollectingThread()
    {
        var events = new EpollEvent[1];
        // A harvest on the thread pool would leave the task incomplete for the microseconds a pool thread takes to
        // run; the check right after the wakeup would then see it pending in some of these rounds.
        for (int round = 0; round < 1_000; round++)
        {
            ValueTask<int> wait = _epoll.WaitAsync(events);
            Assert.False(wait.IsCompleted, "nothing was ready, so the wait must be pending");
            _source.Signal();
            Assert.True(wait.IsCompleted, $"round {round}: the woken wait was not harvested on the collecting thread");
            Assert.Equal(1, await wait); // completed: no continuation, no hop
            Assert.Equal(7UL, events[0].Data);
            _source.Consume();
        }
    }

    [Fact]
    public async Task ContinuationRegisteredAfterTheWakeup_RunsWithTheEvents()
    {
        var events = new EpollEvent[1];
        ValueTask<int> wait = _epoll.WaitAsync(events);
        _source.Signal(); // woken with no continuation yet
        Task<int> result = Continue(wait); // registered without asking IsCompleted first: the pool harvests
        Assert.Equal(1, await result.WaitAsync(Bounded.Limit)); // a lost wakeup fails here instead of hanging
        Assert.Equal(7UL, events[0].Data);
    }

    [Fact]
    public async Task WokenWaitThatFindsNothing_StaysPendingAndTheNextWakeupRunsTheContinuation()
    {
        var events = new EpollEvent[1];
        ValueTask<int> wait = _epoll.WaitAsync(events);
        _source.Signal();          // wakes the pending wait...
        _source.Consume();         // ...but the event is gone before it harvests
        Assert.False(wait.IsCompleted, "a woken wait that harvested nothing must queue itself again");
        Task<int> result = Continue(wait);
        Assert.False(result.IsCompleted);
        _source.Signal();          // a continuation is registered now: this wakeup completes the wait
        Assert.Equal(1, await result.WaitAsync(Bounded.Limit)); // a missed second wakeup times out here
        Assert.Equal(7UL, events[0].Data);
    }

    /// <summary>Registers a continuation on <paramref name="wait"/> directly (no IsCompleted first) that collects its result.</summary>
    private static Task<int> Continue(ValueTask<int> wait)
    {
        var result = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        ValueTaskAwaiter<int> awaiter = wait.GetAwaiter();
        awaiter.UnsafeOnCompleted(() =>
        {
            try { result.SetResult(awaiter.GetResult()); }
            catch (Exception e) { result.SetException(e); }
        });
        return result.Task;
    }
}

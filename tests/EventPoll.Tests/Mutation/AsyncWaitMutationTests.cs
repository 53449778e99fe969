using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using EventPoll.Tests.Rules;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// Behaviours of the asynchronous wait (AsyncWaiter, Eventpoll.Async.cs) that mutation testing found unpinned: a wait
/// claimed by its timeout or cancellation while still queued harvests nothing, its waiter goes back to the pool with
/// no reference, registration or timer of its own left behind, and a continuation runs in the harvest's work item.
/// </summary>
public sealed class AsyncWaitMutationTests : IDisposable
{
    private const EpollEvents In = EpollEvents.In;

    private readonly DescriptorTable _table = new(DescriptorTable.FallbackLimit);
    private readonly Epoll _epoll;
    private readonly EventFd _source;
    private readonly EpollEvent[] _events = new EpollEvent[1];

    public AsyncWaitMutationTests()
    {
        _epoll = new Epoll(_table, new WatchAccount(64));
        _source = new EventFd(table: _table);
        _epoll.Add(_source, In, 7);
    }

    private Eventpoll Instance => EngineAccess.Instance(_epoll);

    public void Dispose()
    {
        _source.Dispose();
        _epoll.Dispose();
    }

    /// <summary>
    /// A wait cancelled while queued was not woken: an event that comes after the cancellation, before anyone awaits,
    /// belongs to the next wait.
    /// </summary>
    [Fact]
    public async Task AWaitCancelledWhileQueued_EndsCancelled_AndAnEventAfterItGoesToTheNextWait()
    {
        using var cts = new CancellationTokenSource();
        ValueTask<int> wait = _epoll.WaitAsync(_events, cts.Token);
        Assert.Equal(1, Internals.WaiterCount(Instance));
        cts.Cancel(); // the registration runs here: the wait is claimed and leaves the queue unwoken
        Assert.Equal(0, Internals.WaiterCount(Instance));
        _source.Signal();
        OperationCanceledException e = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await wait);
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.Equal(1, _epoll.Wait(_events, 0));
        Assert.Equal(7UL, _events[0].Data);
    }

    /// <summary>The same for a wait cancelled before it was queued (the token cancelled when its waiter registers).</summary>
    [Fact]
    public async Task AWaitCancelledBeforeItQueues_EndsCancelled_AndAnEventAfterItGoesToTheNextWait()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        // Epoll.WaitAsync refuses a cancelled token up front; starting the waiter directly puts the cancellation
        // between that check and the waiter's queueing, where the waiter's own re-check claims it.
        ValueTask<int> wait = new AsyncWaiter(Instance).Start(_events, -1, cts.Token);
        Assert.Equal(0, Internals.WaiterCount(Instance));
        _source.Signal();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await wait);
        Assert.Equal(1, _epoll.Wait(_events, 0));
    }

    /// <summary>
    /// Linux's ep_poll: a wait whose timeout expired while it was queued was not woken and returns 0; an event that
    /// comes after, before anyone awaits, belongs to the next wait.
    /// </summary>
    [Fact]
    public async Task AWaitThatTimedOutWhileQueued_ReturnsZero_AndAnEventAfterItGoesToTheNextWait()
    {
        ValueTask<int> wait = _epoll.WaitAsync(_events, TimeSpan.FromMilliseconds(1));
        Internals.AwaitWaiters(Instance, 0); // the timer claimed the wait and took it off the queue; nobody harvested yet
        _source.Signal();
        Assert.Equal(0, await wait);
        Assert.Equal(1, _epoll.Wait(_events, 0));
    }

    /// <summary>
    /// The OS timer may fire before the deadline (its clock is coarser): the wait stays queued, and the timer is set
    /// again for the rest, so the wait still ends at its deadline. The OS timer's own firing is replaced by a call.
    /// </summary>
    [Fact]
    public async Task ATimerThatFiresEarly_LeavesTheWaitQueued_AndIsSetAgainForTheRest()
    {
        ValueTask<int> wait = _epoll.WaitAsync(_events, TimeSpan.FromMilliseconds(1500));
        AsyncWaiter waiter = WaiterOf(wait);
        ((Timer)Field(waiter, "_timer")).Change(Timeout.Infinite, Timeout.Infinite);
        typeof(AsyncWaiter).GetMethod("OnTimeout", BindingFlags.NonPublic | BindingFlags.Instance)!.Invoke(waiter, null);
        Assert.Equal(1, Internals.WaiterCount(Instance));
        Assert.Equal(0, await Bounded.Within(wait.AsTask(), "the timer set again ends the wait at its deadline"));
    }

    /// <summary>
    /// Disposing the handle ends its pending wait with ObjectDisposedException, whose message says what happened.
    /// </summary>
    [Fact]
    public async Task DisposingTheHandle_EndsItsPendingWait_WithASentence()
    {
        var epoll = new Epoll(_table, new WatchAccount(64));
        ValueTask<int> wait = epoll.WaitAsync(_events);
        epoll.Dispose();
        ObjectDisposedException e = await Assert.ThrowsAsync<ObjectDisposedException>(async () => await wait);
        Assert.Equal(nameof(Epoll), e.ObjectName);
        Assert.StartsWith("The epoll instance's handle was disposed while the wait was blocked.", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A handle disposed while the wait looks for events (here inside the poll of its file) ends the wait as disposed,
    /// not as cancelled: the wait was not cancelled by its caller's token.
    /// </summary>
    [Fact]
    public async Task AHandleDisposedDuringTheFirstLook_EndsTheWaitAsDisposed()
    {
        var epoll = new Epoll(_table, new WatchAccount(64));
        var file = new FakeFile();
        using DescriptorHandle handle = DescriptorHandle.Open(file, _table);
        epoll.Add(handle, In);
        file.Set(In);
        file.OnPoll = () =>
        {
            file.OnPoll = null;
            file.Set(EpollEvents.None, In); // not ready after all
            epoll.Dispose();
        };
        ValueTask<int> wait = epoll.WaitAsync(_events);
        Assert.True(wait.IsFaulted);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await wait);
    }

    /// <summary>A pending wait holds a reference on the instance (as a blocked epoll_wait does) and drops it when it ends.</summary>
    [Fact]
    public async Task APendingWait_HoldsTheInstance_AndDropsItWhenItEnds()
    {
        int before = Instance.ReferenceCount;
        ValueTask<int> wait = _epoll.WaitAsync(_events);
        Assert.Equal(before + 1, Instance.ReferenceCount);
        _source.Signal();
        Assert.Equal(1, await wait);
        Assert.Equal(before, Instance.ReferenceCount);
    }

    /// <summary>
    /// A finished wait leaves no registration on its token: cancelling it later does not touch the next wait, which
    /// reuses the pooled waiter.
    /// </summary>
    [Fact]
    public async Task CancellingTheTokenOfAFinishedWait_DoesNotTouchTheNextWait()
    {
        using var cts = new CancellationTokenSource();
        ValueTask<int> first = _epoll.WaitAsync(_events, cts.Token);
        AsyncWaiter waiter = WaiterOf(first);
        _source.Signal();
        Assert.Equal(1, await first);
        _source.Consume();
        ValueTask<int> second = _epoll.WaitAsync(_events);
        Assert.Same(waiter, WaiterOf(second));
        cts.Cancel();
        Assert.Equal(1, Internals.WaiterCount(Instance));
        Assert.False(second.IsCompleted);
        _source.Signal();
        Assert.Equal(1, await second);
    }

    /// <summary>
    /// The waiters are pooled: one or two pending waits at a time, woken and collected on this thread, allocate nothing
    /// once warm, and two pending at once each get a waiter of their own.
    /// </summary>
    [Fact]
    public void PendingWaits_OneOrTwoAtATime_AllocateNothingInSteadyState()
    {
        var other = new EpollEvent[1];
        int total = 0;
        for (int i = 0; i < 100; i++) total += Round(check: true); // warm-up (JIT, tiering, the pool); the checks allocate
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1_000; i++) total += Round(check: false);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(3 * 1_100, total);
        Assert.Equal(0, allocated);

        // Assert.True only: Assert.Equal allocates a comparer.
        int Round(bool check)
        {
            ValueTask<int> one = _epoll.WaitAsync(_events);
            Assert.False(one.IsCompleted);
            _source.Signal();
            Assert.True(one.IsCompleted); // woken before anyone awaited: harvested here
            int count = one.Result;
            _source.Consume();
            ValueTask<int> first = _epoll.WaitAsync(_events);
            ValueTask<int> second = _epoll.WaitAsync(other);
            if (check)
            {
                Assert.NotSame(WaiterOf(first), WaiterOf(second));
                Assert.Equal(2, Internals.WaiterCount(Instance));
            }
            _source.Signal(); // wakes the first; its harvest passes the level-triggered event on to the second
            Assert.True(first.IsCompleted);
            Assert.True(second.IsCompleted);
            count += first.Result + second.Result;
            _source.Consume();
            return count;
        }
    }

    /// <summary>
    /// A continuation registered on a woken wait sends its harvest to the pool; a harvest that finds nothing queues the
    /// wait again, and the next wakeup still runs the continuation.
    /// </summary>
    [Fact]
    public async Task AContinuationOnAWokenWaitThatFindsNothing_RunsOnTheNextWakeup()
    {
        ValueTask<int> wait = _epoll.WaitAsync(_events);
        _source.Signal();  // woken, nobody awaits yet
        _source.Consume(); // the event is gone before the harvest
        Task<(int Count, bool Marked)> result = Continue(wait);
        Internals.AwaitWaiters(Instance, 1); // the pool's harvest found nothing and queued the wait again
        _source.Signal();
        Assert.Equal(1, (await Bounded.Within(result, "the second wakeup runs the continuation")).Count);
    }

    /// <summary>
    /// The continuation runs inline in the work item that harvested (no second hop through the pool): the waiter's
    /// harvest is still on its stack.
    /// </summary>
    [Fact]
    public async Task TheContinuation_RunsInTheHarvestsWorkItem()
    {
        ValueTask<int> wait = _epoll.WaitAsync(_events);
        Task<(int Count, bool Marked)> result = Continue(wait, inHarvest: true);
        _source.Signal(); // the wakeup finds the continuation registered: the pool harvests and completes
        Assert.Equal((1, true), await Bounded.Within(result, "the continuation runs"));
    }

    /// <summary>An instance with a kernel side whose OS descriptor is ready completes the wait synchronously, no waiter queued.</summary>
    [LinuxFact]
    public async Task AWaitOnAReadyKernelSide_CompletesSynchronously()
    {
        using var epoll = new Epoll(_table, new WatchAccount(64));
        using Microsoft.Win32.SafeHandles.SafeFileHandle os = Os.OsFd.EventFd();
        epoll.Add(os, In, 9);
        Os.OsFd.Signal(os);
        ValueTask<int> wait = epoll.WaitAsync(_events);
        Assert.Null(typeof(ValueTask<int>).GetField("_obj", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(wait));
        Assert.Equal(1, await wait);
        Assert.Equal(9UL, _events[0].Data);
    }

    /// <summary>
    /// An event that comes while the wait queues itself (after its first look found nothing) is harvested: the wait
    /// sees it in its look after queueing and claims itself. Here the file's poll in the first look wakes the file
    /// again, so its item is queued anew once that look ends; the file is ready by the time anyone awaits.
    /// </summary>
    [Fact]
    public async Task AnEventThatComesWhileTheWaitQueues_IsHarvested()
    {
        var file = new FakeFile();
        using DescriptorHandle handle = DescriptorHandle.Open(file, _table);
        using var epoll = new Epoll(_table, new WatchAccount(64));
        epoll.Add(handle, In, 5);
        file.Set(In);
        file.OnPoll = () =>
        {
            file.OnPoll = null;
            file.Set(EpollEvents.None, In); // not ready at this look, but woken again meanwhile
        };
        ValueTask<int> wait = epoll.WaitAsync(_events);
        Assert.Equal(0, Internals.WaiterCount(EngineAccess.Instance(epoll))); // claimed by its own look after queueing
        file.Set(In);
        // Awaited on the pool: a wait that never harvests would loop in its status check on the awaiting thread.
        Assert.Equal(1, await Bounded.Within(Task.Run(async () => await wait), "the wait harvests the event"));
        Assert.Equal(5UL, _events[0].Data);
    }

    private static AsyncWaiter WaiterOf(ValueTask<int> wait)
        => (AsyncWaiter)typeof(ValueTask<int>).GetField("_obj", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(wait)!;

    private static object Field(object target, string name)
        => target.GetType().GetField(name, BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(target)!;

    /// <summary>
    /// Registers a continuation on <paramref name="wait"/> directly (no IsCompleted first, no execution context
    /// flowed, no scheduling context) that collects its result and, if <paramref name="inHarvest"/>, whether a method of the waiter is on
    /// the stack where it runs.
    /// </summary>
    private static Task<(int Count, bool Marked)> Continue(ValueTask<int> wait, bool inHarvest = false)
    {
        var result = new TaskCompletionSource<(int, bool)>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Without the scheduling context (xunit's), which would post the continuation instead of running it.
        ConfiguredValueTaskAwaitable<int>.ConfiguredValueTaskAwaiter awaiter = wait.ConfigureAwait(false).GetAwaiter();
        awaiter.UnsafeOnCompleted(() =>
        {
            bool marked = inHarvest && new StackTrace().GetFrames().Any(f => f.GetMethod()?.DeclaringType == typeof(AsyncWaiter));
            try { result.SetResult((awaiter.GetResult(), marked)); }
            catch (Exception e) { result.SetException(e); }
        });
        return result.Task;
    }
}

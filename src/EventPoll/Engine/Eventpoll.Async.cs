using System.Diagnostics;
using EventPoll.Interop;

namespace EventPoll;

internal sealed partial class Eventpoll
{
    private AsyncWaiter? _cachedAsyncWaiter;                    // one idle waiter, taken and returned by Interlocked.Exchange
    private readonly Stack<AsyncWaiter> _asyncWaiters = new(); // more idle waiters (concurrent async waits), under its own monitor

    /// <summary>
    /// Asynchronous epoll_wait, for the idiomatic API. Events already available are harvested synchronously;
    /// otherwise a pooled waiter completes the task. Cancelled first, it ends as <see cref="WaitCancellation.ToException"/>
    /// says: Canceled with the caller's token, or faulted with <see cref="ObjectDisposedException"/>. The caller
    /// checks the buffer's length (1 to <see cref="MaxEvents"/>).
    /// </summary>
    internal ValueTask<int> WaitAsync(Memory<EpollEvent> events, long timeoutMs, WaitCancellation cancellation)
    {
        // Stryker disable once Statement,String,Logical : a removed Debug.Assert (or its message), or its condition weakened: the only caller, Epoll.WaitAsync, checks the length first
        Debug.Assert(events.Length is > 0 and <= MaxEvents);
        if (EventsAvailable || Kernel is not null)
        {
            int count = HarvestBoth(events.Span);
            if (count < 0) return ValueTask.FromException<int>(new EpollException((Errno)(-count), "epoll_wait of the kernel side failed"));
            if (count != 0) return new ValueTask<int>(count);
        }
        if (timeoutMs == 0) return new ValueTask<int>(0);
        if (cancellation.IsCancellationRequested)
        {
            // A task built from an OperationCanceledException would be Faulted; FromCanceled makes it Canceled.
            return cancellation.Disposed ? ValueTask.FromException<int>(cancellation.ToException()) : ValueTask.FromCanceled<int>(cancellation.Caller);
        }
        AsyncWaiter waiter = Interlocked.Exchange(ref _cachedAsyncWaiter, null) ?? RentAsyncWaiter();
        return waiter.Start(events, timeoutMs, cancellation);
    }

    private AsyncWaiter RentAsyncWaiter()
    {
        lock (_asyncWaiters) return _asyncWaiters.Count > 0 ? _asyncWaiters.Pop() : new AsyncWaiter(this);
    }

    internal void ReturnAsyncWaiter(AsyncWaiter waiter)
    {
        // Stryker disable once Statement : without the one-waiter cache the stack pools every waiter; the cache only saves its lock
        if (Interlocked.CompareExchange(ref _cachedAsyncWaiter, waiter, null) is null) return;
        lock (_asyncWaiters) _asyncWaiters.Push(waiter);
    }

    /// <summary>
    /// Queues an asynchronous waiter; with a kernel side, also arms <see cref="KernelWatcher"/> to wake it for OS
    /// readiness. The caller re-checks <see cref="EventsAvailable"/> afterwards.
    /// </summary>
    internal void AddWaiter(Waiter waiter, Epoll? through)
    {
        _waiters.Add(waiter, through);
        if (Volatile.Read(ref _kernel) is KernelPoller k) KernelWatcher.Arm(this, k);
    }

    /// <summary>The kernel side polled readable for an asynchronous wait: the first queued waiter harvests.</summary>
    internal void WakeWaiterForKernel()
    {
        if (_waiters.HasWaiters) _waiters.WakeOne();
    }

    internal bool RemoveWaiter(Waiter waiter) => _waiters.Remove(waiter);

    /// <summary>Waiters currently queued on this instance (blocked in a wait, or about to block and already wakeable).</summary>
    internal int WaiterCount => _waiters.Count;

    /// <summary>The ready structures (for tests that check dead-entry bookkeeping).</summary>
    internal ReadyList Ready => _ready;

    /// <summary>The interest lock (for tests that show which operations do without it).</summary>
    internal ShortLock InterestLock => _mtx;
}

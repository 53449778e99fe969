namespace EventPoll;

internal sealed partial class Eventpoll
{
    private readonly Stack<AsyncWaiter> _asyncWaiters = new(); // under its own monitor

    /// <summary>
    /// Asynchronous epoll_wait. Events already available are harvested synchronously; otherwise a pooled
    /// waiter completes the task. Fails with EINTR (as an <see cref="EpollException"/>) when cancelled first.
    /// </summary>
    internal ValueTask<int> WaitAsync(Memory<EpollEvent> events, long timeoutMs, CancellationToken cancellationToken)
    {
        if (events.Length == 0 || events.Length > MaxEvents) return ValueTask.FromException<int>(new EpollException(Errno.EINVAL));
        if (EventsAvailable)
        {
            int count = Harvest(events.Span);
            if (count != 0) return new ValueTask<int>(count);
        }
        if (timeoutMs == 0) return new ValueTask<int>(0);
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromException<int>(new EpollException(Errno.EINTR));
        AsyncWaiter waiter;
        lock (_asyncWaiters)
        {
            waiter = _asyncWaiters.Count > 0 ? _asyncWaiters.Pop() : new AsyncWaiter(this);
        }
        return waiter.Start(events, timeoutMs, cancellationToken);
    }

    internal void ReturnAsyncWaiter(AsyncWaiter waiter)
    {
        lock (_asyncWaiters) _asyncWaiters.Push(waiter);
    }

    internal void AddWaiter(Waiter waiter) => _waiters.Add(waiter);

    internal bool RemoveWaiter(Waiter waiter) => _waiters.Remove(waiter);

    /// <summary>Waiters currently queued on this instance (blocked in a wait, or about to block and already wakeable).</summary>
    internal int WaiterCount => _waiters.Count;

    /// <summary>The ready structures (for tests that check dead-entry bookkeeping).</summary>
    internal ReadyList Ready => _ready;

    /// <summary>The interest lock (for tests that show which operations do without it).</summary>
    internal ShortLock InterestLock => _mtx;
}

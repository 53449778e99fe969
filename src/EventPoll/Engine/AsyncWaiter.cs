using System.Diagnostics;
using System.Threading.Tasks.Sources;

namespace EventPoll;

/// <summary>
/// An asynchronous epoll_wait: a pooled <see cref="IValueTaskSource{TResult}"/> that queues itself as an
/// exclusive waiter, and on wakeup harvests on the thread pool (the waking thread never runs a harvest).
/// Reused through <see cref="Eventpoll"/>'s pool, so a steady-state wait allocates nothing.
/// </summary>
/// <remarks>
/// <c>_state</c> decides who finishes a wait: the wakeup, the timer and cancellation each try to move it from
/// Waiting to Running, and only the winner continues. A loser that finds itself already dequeued by a
/// wakeup harvests anyway, as ep_poll does when a wakeup lands after the timeout.
/// </remarks>
internal sealed class AsyncWaiter : Waiter, IValueTaskSource<int>, IThreadPoolWorkItem
{
    private const int Idle = 0, Waiting = 1, Running = 2;

    private readonly Eventpoll _ep;
    private readonly Timer _timer;
    private ManualResetValueTaskSourceCore<int> _core;
    private int _state;
    private Memory<EpollEvent> _buffer;
    private Deadline _deadline;
    private bool _timedOut;            // set by the timer's winner before it queues the last harvest
    private bool _woken;               // the last Running transition came from a wakeup (or a dequeued loser)
    private WaitCancellation _cancellation;
    private WaitCancellation.Registration _registration;

    internal AsyncWaiter(Eventpoll ep)
    {
        _ep = ep;
        // Every completion happens in Execute, on the thread pool, never on a producer's thread; running the
        // continuation inline there saves the work item (and its allocation) an asynchronous continuation needs.
        _core.RunContinuationsAsynchronously = false;
        _timer = new Timer(static s => ((AsyncWaiter)s!).OnTimeout(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Starts a wait that found nothing on the fast path. The caller holds a reference to the instance.</summary>
    internal ValueTask<int> Start(Memory<EpollEvent> buffer, long timeoutMs, WaitCancellation cancellation)
    {
        Debug.Assert(_state == Idle);
        _ep.AddRef(); // like a blocked epoll_wait, the wait keeps the instance open; dropped in Complete
        _buffer = buffer;
        _timedOut = false;
        _cancellation = cancellation;
        _deadline = new Deadline(timeoutMs);
        if (timeoutMs > 0) _timer.Change(_deadline.RemainingMs(), Timeout.Infinite);
        _registration = cancellation.Register(static s => ((AsyncWaiter)s!).OnCancel(), this);
        Register();
        return new ValueTask<int>(this, _core.Version);
    }

    /// <summary>Queues the waiter, then re-checks for events (the waiter half of the no-lost-wakeup fence).</summary>
    /// <remarks>
    /// Cancellation is re-checked here too: a token cancelled after the caller's check but before <see cref="Start"/>
    /// registered on it runs <see cref="OnCancel"/> at once, while the state is still Idle, and that claim fails.
    /// Since the registration precedes this check, one of the two always sees the cancellation.
    /// </remarks>
    private void Register()
    {
        Volatile.Write(ref _state, Waiting);
        _ep.AddWaiter(this);
        bool eventsAvailable = _ep.EventsAvailable;
        if ((eventsAvailable || _cancellation.IsCancellationRequested) && TryClaim())
        {
            bool dequeuedByWakeup = !_ep.RemoveWaiter(this);
            _woken = eventsAvailable || dequeuedByWakeup; // harvest if events are there or a wakeup was consumed
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        }
    }

    private bool TryClaim() => Interlocked.CompareExchange(ref _state, Running, Waiting) == Waiting;

    internal override void Signal()
    {
        if (!TryClaim()) return;
        _woken = true;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
    }

    private void OnTimeout()
    {
        if (!_deadline.HasPassed)
        {
            // The timer's clock is coarser than the deadline's: wait out the rest rather than end early.
            // (A late callback of an earlier wait of this pooled waiter lands here too and re-arms only a timed wait.)
            int remaining = _deadline.RemainingMs();
            if (remaining != Timeout.Infinite) _timer.Change(Math.Max(1, remaining), Timeout.Infinite);
            return;
        }
        if (!TryClaim()) return;
        _timedOut = true;
        _woken = !_ep.RemoveWaiter(this); // dequeued already: a wakeup was consumed, so harvest once more
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
    }

    private void OnCancel()
    {
        if (!TryClaim()) return;
        _woken = !_ep.RemoveWaiter(this);
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
    }

    /// <summary>Runs on the thread pool after a wakeup, timeout or cancellation won the state.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        int count = _woken ? Math.Max(0, _ep.HarvestBoth(_buffer.Span)) : 0; // a kernel error cannot happen on a live epoll
        if (count != 0) Complete(count);
        else if (_timedOut || _deadline.HasPassed) Complete(0);
        else if (_cancellation.IsCancellationRequested) Complete(-(int)Errno.EINTR);
        else Register();
    }

    /// <summary>Finishes the wait; runs only in <see cref="IThreadPoolWorkItem.Execute"/>, and setting the result is its last step.</summary>
    private void Complete(int result)
    {
        _timer.Change(Timeout.Infinite, Timeout.Infinite);
        _registration.Unregister();
        _registration = default;
        _buffer = default;
        _ep.Release();
        // EINTR is the only failure: the caller's token or the handle's disposal. The continuation runs inline in
        // SetResult/SetException and may return this waiter to the pool and start its next wait, so every field
        // is done with before them.
        Exception? failure = result < 0 ? _cancellation.ToException() : null;
        _cancellation = default;
        if (failure is null) _core.SetResult(result);
        else _core.SetException(failure);
    }

    int IValueTaskSource<int>.GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
            Volatile.Write(ref _state, Idle);
            _ep.ReturnAsyncWaiter(this);
        }
    }

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}

using System.Diagnostics;
using System.Threading.Tasks.Sources;

namespace EventPoll;

/// <summary>
/// An asynchronous epoll_wait: a pooled <see cref="IValueTaskSource{TResult}"/> that queues itself as an
/// exclusive waiter. A wakeup never harvests on the waking thread: the harvest runs on the thread that collects
/// the result when nobody awaits yet (as the kernel harvests on the woken waiter's own thread), and on the thread
/// pool only when a continuation is already registered and must be run. Reused through <see cref="Eventpoll"/>'s
/// pool, so a steady-state wait allocates nothing.
/// </summary>
/// <remarks>
/// <para><c>_state</c> holds a phase and the <see cref="Awaited"/> flag, changed only by compare-and-swap:</para>
/// <list type="bullet">
/// <item>Waiting: queued on the instance. The wakeup, the timer and cancellation each try to move it to Running
/// (<see cref="TryClaim"/>); only the winner goes on. A loser that finds itself already dequeued by a wakeup
/// harvests anyway, as ep_poll does when a wakeup lands after the timeout.</item>
/// <item>Running: one thread owns the wait: it records why it won, then <see cref="Dispatch"/>es the harvest.</item>
/// <item>Woken: claimed while no continuation was registered; the next <c>GetStatus</c> (the caller's
/// await) harvests inline, or <c>OnCompleted</c> sends the harvest to the thread pool.</item>
/// </list>
/// <para><see cref="Awaited"/> is set once a continuation is stored in <c>_core</c>. It lives in the same word as the
/// phase so a claimer and the awaiting thread cannot both conclude that the other will harvest.</para>
/// </remarks>
internal sealed class AsyncWaiter : Waiter, IValueTaskSource<int>, IThreadPoolWorkItem
{
    private const int Idle = 0, Waiting = 1, Running = 2, Woken = 3, PhaseMask = 3;
    private const int Awaited = 4; // a continuation is registered: completing the wait runs it

    private readonly Eventpoll _ep;
    private readonly Timer _timer;
    private ManualResetValueTaskSourceCore<int> _core;
    private int _state;                // phase | Awaited; see the remarks
    // The fields below are written by the thread that owns the wait (Running) and published by the CAS or the
    // work-item queueing that hands it on.
    private Memory<EpollEvent> _buffer;
    private Deadline _deadline;
    private bool _timerArmed;          // a timed wait: Complete disarms the timer (an untimed one never touches it)
    private bool _woken;               // the last claim came from a wakeup (or a dequeued loser): harvest
    private WaitCancellation _cancellation;
    private CancellationTokenRegistration _registration;

    internal AsyncWaiter(Eventpoll ep)
    {
        _ep = ep;
        // Completion happens on the thread that owns the harvest (the pool, or the awaiting thread before it
        // registered a continuation), never on a producer's thread; running the continuation inline there saves
        // the work item (and its allocation) an asynchronous continuation needs.
        _core.RunContinuationsAsynchronously = false;
        _timer = new Timer(static s => ((AsyncWaiter)s!).OnTimeout(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Starts a wait that found nothing on the fast path. The caller holds a reference to the instance.</summary>
    internal ValueTask<int> Start(Memory<EpollEvent> buffer, long timeoutMs, WaitCancellation cancellation)
    {
        // Stryker disable once Statement,String : a removed Debug.Assert (or its message)
        Debug.Assert(_state == Idle);
        _ep.AddRef(); // like a blocked epoll_wait, the wait keeps the instance open; dropped in Complete
        _buffer = buffer;
        _cancellation = cancellation;
        _deadline = new Deadline(timeoutMs);
        _state = Running; // owned by this thread until Register queues it
        // Stryker disable once Equality : WaitAsync returns at a zero timeout before it starts a waiter, so timeoutMs is never 0 here
        _timerArmed = timeoutMs > 0;
        if (_timerArmed) _timer.Change(_deadline.RemainingMs(), Timeout.Infinite);
        _registration = cancellation.Register(static s => ((AsyncWaiter)s!).OnCancel(), this);
        Register();
        return new ValueTask<int>(this, _core.Version);
    }

    /// <summary>Queues the waiter, then re-checks for events (the waiter half of the no-lost-wakeup fence).</summary>
    /// <remarks>
    /// The caller owns the wait (Running). Cancellation is re-checked here too: a token cancelled after the caller's
    /// check but before <see cref="Start"/> registered on it runs <see cref="OnCancel"/> at once, while this thread
    /// still owns the wait, and that claim fails. Since the registration precedes this check, one of the two always
    /// sees the cancellation.
    /// </remarks>
    private void Register()
    {
        SetPhase(Waiting);
        _ep.AddWaiter(this, _cancellation.Handle);
        bool eventsAvailable = _ep.EventsAvailable;
        if ((eventsAvailable || _cancellation.IsCancellationRequested) && TryClaim())
        {
            bool dequeuedByWakeup = !_ep.RemoveWaiter(this);
            _woken = eventsAvailable || dequeuedByWakeup; // harvest if events are there or a wakeup was consumed
            Dispatch();
        }
    }

    /// <summary>Moves a queued wait to Running; true for the one caller that wins it.</summary>
    private bool TryClaim()
    {
        int s = Volatile.Read(ref _state);
        while ((s & PhaseMask) == Waiting)
        {
            int seen = Interlocked.CompareExchange(ref _state, (s & Awaited) | Running, s);
            if (seen == s) return true;
            s = seen;
        }
        return false;
    }

    /// <summary>Sets the phase of a wait this thread owns, keeping <see cref="Awaited"/> (the awaiter may set it meanwhile).</summary>
    private void SetPhase(int phase)
    {
        int s = Volatile.Read(ref _state);
        // Stryker disable once Statement,String : a removed Debug.Assert (or its message)
        Debug.Assert((s & PhaseMask) == Running);
        while (true)
        {
            int seen = Interlocked.CompareExchange(ref _state, (s & Awaited) | phase, s);
            if (seen == s) return;
            s = seen;
        }
    }

    /// <summary>
    /// Hands the claimed harvest on: to the thread pool if a continuation waits to be run, otherwise to the thread
    /// that collects the result (Woken). The CAS fails only if the awaiter registered its continuation meanwhile.
    /// </summary>
    private void Dispatch()
    {
        if (Volatile.Read(ref _state) == Running && Interlocked.CompareExchange(ref _state, Woken, Running) == Running) return;
        // Stryker disable once Statement,String : a removed Debug.Assert (or its message)
        Debug.Assert(Volatile.Read(ref _state) == (Running | Awaited));
        // Stryker disable once Boolean : preferLocal only picks the pool's queue the harvest waits in (a performance choice)
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
    }

    internal override void Signal()
    {
        if (!TryClaim()) return;
        _woken = true;
        Dispatch();
    }

    private void OnTimeout()
    {
        if (!_deadline.HasPassed)
        {
            // The timer's clock is coarser than the deadline's: wait out the rest rather than end early.
            // (A late callback of an earlier wait of this pooled waiter lands here too and re-arms only a timed wait.)
            // A remaining 0 (the deadline passed since) fires the callback again at once.
            int remaining = _deadline.RemainingMs();
            if (remaining != Timeout.Infinite) _timer.Change(remaining, Timeout.Infinite);
            return;
        }
        if (!TryClaim()) return;
        _woken = !_ep.RemoveWaiter(this); // dequeued already: a wakeup was consumed, so harvest once more
        Dispatch();
    }

    private void OnCancel()
    {
        if (!TryClaim()) return;
        _woken = !_ep.RemoveWaiter(this);
        Dispatch();
    }

    /// <summary>Runs on the thread pool: a claim found a continuation registered.</summary>
    void IThreadPoolWorkItem.Execute() => Harvest();

    /// <summary>Finishes or re-queues the wait this thread owns (Running) after a wakeup, timeout or cancellation.</summary>
    private void Harvest()
    {
        int count = _woken ? Math.Max(0, _ep.HarvestBoth(_buffer.Span)) : 0; // a kernel error cannot happen on a live epoll
        if (count != 0) Complete(count);
        else if (_deadline.HasPassed) Complete(0); // a timer's claim follows its own check that the deadline passed
        else if (_cancellation.IsCancellationRequested) Complete(-(int)Errno.EINTR);
        else Register();
    }

    /// <summary>Finishes the wait; runs only in <see cref="Harvest"/>, and setting the result is its last step.</summary>
    private void Complete(int result)
    {
        // Stryker disable once Statement,Boolean : a timer left armed fires into OnTimeout, which only re-arms a timed wait and claims none but a queued one past its own deadline; disarming saves that callback
        if (_timerArmed) _timer.Change(Timeout.Infinite, Timeout.Infinite); // Timer.Change takes the timer queue's lock
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

    /// <summary>The awaiter's "is it done?": a wait woken before anyone awaited is harvested here, on the caller's thread.</summary>
    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token)
    {
        // A harvest that finds nothing re-queues the wait, and a wakeup may claim it again at once: loop.
        while (Volatile.Read(ref _state) == Woken && Interlocked.CompareExchange(ref _state, Running, Woken) == Woken) Harvest();
        return _core.GetStatus(token);
    }

    /// <summary>
    /// Registers the continuation, then marks the wait <see cref="Awaited"/> so the next claim runs it; a wait
    /// already Woken goes to the thread pool now (running the continuation here would recurse into the caller).
    /// </summary>
    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        _core.OnCompleted(continuation, state, token, flags);
        int s = Volatile.Read(ref _state);
        while (true)
        {
            int next = s == Woken ? Running | Awaited : s | Awaited;
            int seen = Interlocked.CompareExchange(ref _state, next, s);
            if (seen != s) { s = seen; continue; }
            // Stryker disable once Boolean : preferLocal only picks the pool's queue the harvest waits in (a performance choice)
            if (s == Woken) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
            return;
        }
    }
}

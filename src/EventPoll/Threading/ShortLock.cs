using System.Diagnostics;

namespace EventPoll;

/// <summary>
/// A non-reentrant mutual-exclusion lock for the engine's short critical sections (Linux: the spinlocks and
/// mutexes of fs/eventpoll.c and the wait queues). Entering costs one compare-and-swap and leaving one atomic
/// decrement; a contended enter spins briefly (<see cref="BriefSpin"/>: pauses, never a yield), then parks the
/// thread until the holder leaves.
/// </summary>
/// <remarks>
/// <para>Why not <see cref="Monitor"/> or <see cref="System.Threading.Lock"/>: both identify the owning thread on
/// every enter (a thread-local lookup) to support reentrancy, and a pair of them measured 15-18 ns on the reference
/// machine against ~3 ns for one atomic operation; ADD+DEL takes six lock pairs. The engine never re-enters a lock
/// (its lock order forbids it), so it needs no owner.</para>
/// <para>State: bit 0 is set while the lock is held; the rest counts parked (or parking) threads, two per thread. A
/// parker registers in the count, reads its <see cref="ParkingLot"/> word, retries, and sleeps on the word
/// (<see cref="Futex"/>) only if it is unchanged; a leaver that sees a non-zero count after clearing bit 0 bumps
/// the word and wakes its sleepers. Either the retry sees the lock free or the futex sees the bumped word, so a
/// wakeup cannot be lost. Parking on a monitor instead (as this type first did) woke each parker under the
/// monitor's mutex, which the woken thread then needed, and on one processor eponeshotmt made 43,000-46,000 waits/s
/// against 61,000-66,000 with the futex. Parked threads may be overtaken by spinning ones (no hand-off): fine for
/// sections of tens of nanoseconds. Like a kernel mutex, a contended thread spins (not at all on one processor) and
/// then sleeps; it never yields (see <see cref="BriefSpin"/> for why). Measured with 8 threads hammering one lock
/// on 2 cores (3 runs of 3 s): within a run each thread got an even share (0.53-0.59, 0.72-0.83 and 0.98-1.11
/// million acquisitions/s) and the worst single wait was 24-28 ms, a few of the scheduler's slices, so no thread
/// starves. Spinning with yields got more in total on that test when it was measured with the earlier monitor
/// parking (0.78-1.48 million each, uneven) because a yield hands the processor to a preempted holder, but it
/// starves a yielding thread of CPU next to threads that do not contend.</para>
/// <para>Use <see cref="EnterScope"/> or <see cref="Enter"/>/<see cref="Exit"/>; the <c>lock</c> statement would
/// take the object's monitor, a different lock.</para>
/// <para>Debug builds record the owner, so <see cref="IsHeldByCurrentThread"/> is exact there; release builds only
/// know that some thread holds the lock.</para>
/// <para>Not sealed so that a lock can carry the fields it guards in its own object, on the lock word's padded cache
/// line (the descriptor table's write side): .NET can neither align an object nor embed one in another.</para>
/// </remarks>
internal unsafe class ShortLock
{
    private const int Held = 1, OneParker = 2;

    private int _state; // atomic: Held | parkers * OneParker
#if DEBUG
    private int _owner; // the holder's managed thread id, for assertions
#endif

    /// <summary>Whether the calling thread holds the lock (in release builds: whether any thread holds it).</summary>
    public bool IsHeldByCurrentThread
    {
        get
        {
#if DEBUG
            // Stryker disable once Bitwise : _owner is 0 whenever the lock is free (Exit clears it), and no thread's id is 0
            return (Volatile.Read(ref _state) & Held) != 0 && _owner == Environment.CurrentManagedThreadId;
#else
            return (Volatile.Read(ref _state) & Held) != 0;
#endif
        }
    }

    /// <summary>Threads parked (or about to park) waiting for the lock; a snapshot, for tests.</summary>
    internal int ParkedCount => Volatile.Read(ref _state) / OneParker;

    /// <summary>Takes the lock, waiting as long as needed. Must not be called by the thread that holds it.</summary>
    public void Enter()
    {
        if (Interlocked.CompareExchange(ref _state, Held, 0) != 0) EnterContended();
        SetOwner();
    }

    /// <summary>Takes the lock if it is free; never waits.</summary>
    public bool TryEnter()
    {
        int state = Volatile.Read(ref _state);
        if ((state & Held) != 0 || Interlocked.CompareExchange(ref _state, state | Held, state) != state) return false;
        SetOwner();
        return true;
    }

    /// <summary>
    /// Releases the lock, waking the threads parked on its <see cref="ParkingLot"/> word if any thread is parked.
    /// A full fence (an interlocked decrement): a holder's stores are visible before any load that follows the
    /// exit (WaitQueue.Add relies on it).
    /// </summary>
    public void Exit()
    {
#if DEBUG
        // Stryker disable once Statement,String : a removed Debug.Assert (or its message)
        Debug.Assert(IsHeldByCurrentThread, "ShortLock released by a thread that does not hold it");
        _owner = 0;
#endif
        int state = Interlocked.Decrement(ref _state);
        if (state != 0) WakeParked();
    }

    /// <summary>Takes the lock for a <c>using</c> block.</summary>
    public Scope EnterScope()
    {
        Enter();
        return new Scope(this);
    }

    /// <summary>Holds a <see cref="ShortLock"/> until disposed.</summary>
    public readonly ref struct Scope
    {
        private readonly ShortLock _lock;

        internal Scope(ShortLock shortLock) => _lock = shortLock;

        /// <summary>Releases the lock.</summary>
        public void Dispose() => _lock.Exit();
    }

    private void EnterContended()
    {
        // Stryker disable once Equality : the spin length before parking is a performance choice; correctness comes from the futex loop below
        for (int round = 0; round < BriefSpin.Rounds; round++)
        {
            // Stryker disable once Statement : the pause between spins is a performance choice
            BriefSpin.Pause(round);
            if (TryTake(parked: false)) return;
        }

        Interlocked.Add(ref _state, OneParker);
        int* wakeups = ParkingLot.WordFor(this);
        while (true)
        {
            // Read the stripe's wakeup count before looking at the lock: a leaver clears Held before it bumps
            // the count, so either the look sees the lock free or the futex sees a changed count.
            int seen = Volatile.Read(ref *wakeups);
            if (TryTake(parked: true)) return;
            Futex.Wait(wakeups, seen, Timeout.Infinite);
        }
    }

    /// <summary>One attempt to set the held bit, also dropping this thread's parker count if it registered one.</summary>
    private bool TryTake(bool parked)
    {
        while (true)
        {
            int state = Volatile.Read(ref _state);
            if ((state & Held) != 0) return false;
            int taken = (state | Held) - (parked ? OneParker : 0);
            if (Interlocked.CompareExchange(ref _state, taken, state) == state) return true;
        }
    }

    private void WakeParked()
    {
        int* wakeups = ParkingLot.WordFor(this);
        Interlocked.Increment(ref *wakeups);
        Futex.Wake(wakeups); // every parker on the stripe: some may wait for other locks, and they re-check
    }

    [Conditional("DEBUG")]
    private void SetOwner()
    {
#if DEBUG
        _owner = Environment.CurrentManagedThreadId;
#endif
    }
}

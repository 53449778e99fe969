using System.Diagnostics;

namespace EventPoll;

/// <summary>
/// A file's wait queue (Linux: <c>wait_queue_head</c>): the entries interested in the file's readiness.
/// </summary>
/// <remarks>
/// <para>A source of your own (see <see cref="OpenFile"/>) needs two calls: <see cref="PollTable.Register"/> of its queue
/// in <see cref="OpenFile.Poll"/>, and <see cref="Wake"/> after each change of readiness. The rest is the engine's.</para>
/// <para>Locking: <c>SyncRoot</c> protects the entry list. Sources use the same object as the lock of their
/// own state, so a state change and its wakeup are one atomic step, and a poll that registers an entry
/// and then reads the state under that lock cannot miss a wakeup (the kernel's eventfd does the same).
/// The engine's eventfd is the exception: its counter is updated atomically, without the lock, and it wakes
/// through <c>WakeSoleWithoutLock</c>, so a writer preempted mid-write cannot stall the file's other users.
/// Non-exclusive entries are added at the head, exclusive ones at the tail, as add_wait_queue and
/// add_wait_queue_exclusive do; the head-first order decides the order in which watchers become ready.</para>
/// </remarks>
public sealed class WaitQueue
{
    private WaitEntry? _head; // under SyncRoot
    private WaitEntry? _tail; // under SyncRoot
    private int _count;       // written under SyncRoot (Add's exit of it is a full fence), read without it by HasEntries
    private WaitEntry? _sole; // written under SyncRoot: the only entry if it WakesWithoutLock, else null; read without it

    /// <summary>Creates a queue with its own lock.</summary>
    public WaitQueue() : this(new ShortLock()) { }

    /// <summary>Creates a queue that shares <paramref name="syncRoot"/> with its owner's state.</summary>
    internal WaitQueue(ShortLock syncRoot) => SyncRoot = syncRoot;

    /// <summary>The lock that protects the entries (and, by convention, the owning source's state).</summary>
    internal ShortLock SyncRoot { get; }

    /// <summary>
    /// Whether any entry is queued. A lock-free hint for producers (Linux: waitqueue_active); callers
    /// that act on "false" must have ordered their state change before this read with a full fence.
    /// </summary>
    internal bool HasEntries => Volatile.Read(ref _count) != 0;

    /// <summary>Number of queued entries (for tests and diagnostics).</summary>
    internal int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Queues <paramref name="entry"/>: at the head if non-exclusive, at the tail if exclusive. Ends with a full
    /// fence, so a poll that reads the file's state after registering cannot miss a concurrent wakeup.
    /// </summary>
    internal void Add(WaitEntry entry)
    {
        using (SyncRoot.EnterScope())
        {
            // Stryker disable once Statement,String : a removed Debug.Assert (or its message)
            Debug.Assert(entry.Queue is null, "an entry sits on at most one queue");
            entry.Queue = this;
            if (entry.Exclusive)
            {
                entry.Prev = _tail;
                entry.Next = null;
                if (_tail is null) _head = entry; else _tail.Next = entry;
                _tail = entry;
            }
            else
            {
                entry.Prev = null;
                entry.Next = _head;
                if (_head is null) _tail = entry; else _head.Prev = entry;
                _head = entry;
            }
            Volatile.Write(ref _sole, SoleLockFreeEntry());
            Volatile.Write(ref _count, _count + 1); // the full fence is the lock's exit (see ShortLock.Exit)
        }
    }

    /// <summary>Removes <paramref name="entry"/> if it is queued here; returns whether it was.</summary>
    internal bool Remove(WaitEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        using (SyncRoot.EnterScope())
        {
            if (entry.Queue != this) return false;
            Unlink(entry);
            return true;
        }
    }

    /// <summary>
    /// Wakes the queue with <paramref name="key"/>: every non-exclusive entry, and exclusive entries until
    /// one consumes the wakeup (Linux: __wake_up_common with nr_exclusive = 1).
    /// </summary>
    /// <remarks>
    /// <paramref name="key"/> names the events that may have become ready (<see cref="EpollEvents.None"/>: any); a
    /// watcher whose interest does not include them ignores the wakeup, and one that takes it re-polls the file. Call it
    /// after the state change, with or without a lock of the source's own held. Returns at once when nobody waits.
    /// </remarks>
    public void Wake(EpollEvents key)
    {
        // Stryker disable once Statement : a fast path; without it WakeLocked walks an empty list under the lock
        if (!HasEntries) return;
        using (SyncRoot.EnterScope()) WakeLocked(key);
    }

    /// <summary>
    /// <see cref="Wake"/> for a source whose state changes are atomic operations rather than changes under
    /// <see cref="SyncRoot"/> (the eventfd's counter): when the queue's only entry is an epoll item, its callback
    /// runs without the lock, so a thread preempted there holds up nobody. The caller must have made its state
    /// change with a full fence (an interlocked operation) before calling: a registration publishes its entry,
    /// fences and then polls the state, so either the poll sees the change or this sees the entry. A callback
    /// can arrive just after its entry was removed, which epoll items tolerate (see <see cref="WaitEntry.WakesWithoutLock"/>).
    /// </summary>
    internal void WakeSoleWithoutLock(EpollEvents key)
    {
        if (Volatile.Read(ref _sole) is WaitEntry sole) sole.OnWake(key); else Wake(key);
    }

    /// <summary><see cref="Wake"/> for a caller that already holds <see cref="SyncRoot"/> (Linux: wake_up_locked_poll).</summary>
    internal void WakeLocked(EpollEvents key)
    {
        Debug.Assert(SyncRoot.IsHeldByCurrentThread);
        WaitEntry? entry = _head;
        while (entry is not null)
        {
            // An entry may unlink itself from its callback; read the successor first.
            WaitEntry? next = entry.Next;
            if (entry.OnWake(key) && entry.Exclusive) break;
            entry = next;
        }
    }

    /// <summary>Unlinks an entry; the caller holds <see cref="SyncRoot"/>.</summary>
    internal void Unlink(WaitEntry entry)
    {
        Debug.Assert(SyncRoot.IsHeldByCurrentThread);
        Debug.Assert(entry.Queue == this);
        if (entry.Prev is null) _head = entry.Next; else entry.Prev.Next = entry.Next;
        if (entry.Next is null) _tail = entry.Prev; else entry.Next.Prev = entry.Prev;
        entry.Prev = entry.Next = null;
        entry.Queue = null;
        Volatile.Write(ref _sole, SoleLockFreeEntry());
        Volatile.Write(ref _count, _count - 1); // no fence needed: a stale "has entries" only costs a wasted lock
    }

    private WaitEntry? SoleLockFreeEntry() => _head is { } head && head == _tail && head.WakesWithoutLock ? head : null;
}

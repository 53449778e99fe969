using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace EventPoll;

/// <summary>
/// A task blocked in a wait on an instance (Linux: the exclusive wait entry ep_poll adds to <c>ep->wq</c>).
/// </summary>
internal abstract class Waiter
{
    internal Waiter? Prev;   // under WaiterQueue lock
    internal Waiter? Next;   // under WaiterQueue lock
    internal bool IsQueued;  // under WaiterQueue lock
    internal Epoll? Through; // under WaiterQueue lock: the handle the queued wait came through (its Dispose ends it)

    /// <summary>The waiter was dequeued by a wakeup. Called without locks; must not block.</summary>
    internal abstract void Signal();
}

/// <summary>
/// The instance's queue of blocked waiters. All waiters are exclusive, in FIFO order: one wakeup wakes one
/// waiter, as ep_poll's __add_wait_queue_exclusive arranges. Waking dequeues the waiter (autoremove).
/// </summary>
/// <remarks>
/// The small lock here is taken by producers only when <see cref="HasWaiters"/> says someone waits, and is
/// never held while a waiter runs. A waiter adds itself and then re-checks for events; a producer queues
/// its item and then checks <see cref="HasWaiters"/>; both sides order the two steps with a full fence
/// (Interlocked), so one of them always sees the other (no lost wakeup).
/// </remarks>
internal sealed class WaiterQueue
{
    private readonly ShortLock _lock = new();
    private Waiter? _head; // under _lock
    private Waiter? _tail; // under _lock
    private int _count;    // written under _lock with Interlocked (full fence), read lock-free

    internal bool HasWaiters => Volatile.Read(ref _count) != 0;

    /// <summary>Number of queued waiters (lock-free snapshot; for tests that must know a waiter is blocked).</summary>
    internal int Count => Volatile.Read(ref _count);

    /// <summary>Queues <paramref name="waiter"/> at the tail; <paramref name="through"/> is the handle whose Dispose ends its wait.</summary>
    internal void Add(Waiter waiter, Epoll? through)
    {
        using (_lock.EnterScope())
        {
            // Stryker disable once Statement : a removed Debug.Assert
            Debug.Assert(!waiter.IsQueued);
            waiter.IsQueued = true;
            waiter.Through = through;
            waiter.Prev = _tail;
            waiter.Next = null;
            if (_tail is null) _head = waiter; else _tail.Next = waiter;
            _tail = waiter;
            Interlocked.Increment(ref _count);
        }
    }

    /// <summary>Removes a waiter that gives up; false if a wakeup already dequeued it (it consumed a wakeup).</summary>
    internal bool Remove(Waiter waiter)
    {
        using (_lock.EnterScope())
        {
            if (!waiter.IsQueued) return false;
            Unlink(waiter);
            return true;
        }
    }

    /// <summary>Wakes the longest-waiting waiter, if any.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // called only when someone waits: kept out of its callers' fast paths
    internal void WakeOne()
    {
        Waiter? waiter;
        using (_lock.EnterScope())
        {
            waiter = _head;
            if (waiter is null) return;
            Unlink(waiter);
        }
        waiter.Signal();
    }

    /// <summary>
    /// Wakes the waiters queued through <paramref name="handle"/>, which its Dispose has closed. Each wakes, finds its
    /// handle closed and ends without queueing again, so the loop ends; the other waiters keep their places.
    /// </summary>
    internal void WakeWaitsThrough(Epoll handle)
    {
        while (HasWaiters)
        {
            Waiter? waiter;
            using (_lock.EnterScope())
            {
                waiter = _head;
                while (waiter is not null && waiter.Through != handle) waiter = waiter.Next;
                if (waiter is null) return;
                Unlink(waiter);
            }
            waiter.Signal();
        }
    }

    /// <summary>Wakes every queued waiter (when the instance gains a kernel side, where they must wait from then on).</summary>
    internal void WakeAll()
    {
        while (HasWaiters) WakeOne();
    }

    private void Unlink(Waiter waiter)
    {
        if (waiter.Prev is null) _head = waiter.Next; else waiter.Prev.Next = waiter.Next;
        if (waiter.Next is null) _tail = waiter.Prev; else waiter.Next.Prev = waiter.Prev;
        waiter.Prev = waiter.Next = null;
        waiter.Through = null;
        waiter.IsQueued = false;
        Interlocked.Decrement(ref _count);
    }
}

namespace EventPoll;

/// <summary>
/// An entry on a <see cref="WaitQueue"/> (Linux: <c>wait_queue_entry</c>). Whoever registered it gets
/// <see cref="OnWake"/> each time the queue is woken.
/// </summary>
/// <remarks>The links and <see cref="Queue"/> are protected by the owning queue's <see cref="WaitQueue.SyncRoot"/>.</remarks>
internal abstract class WaitEntry
{
    internal WaitEntry? Prev;   // under Queue.SyncRoot
    internal WaitEntry? Next;   // under Queue.SyncRoot
    internal WaitQueue? Queue;  // under Queue.SyncRoot; null while not queued

    /// <summary>
    /// Exclusive entries sit at the tail and a wakeup stops at the first exclusive entry that consumes it.
    /// Must not change while the entry is queued. A property rather than a field so that an entry with only
    /// reference fields (like an epoll item) carries no padding for it.
    /// </summary>
    public virtual bool Exclusive => false;

    /// <summary>
    /// Whether <see cref="OnWake"/> may run without the queue's lock when this is the queue's only entry
    /// (<see cref="WaitQueue.WakeSoleWithoutLock"/>), and so possibly just after the entry was removed. Only the
    /// engine's own entries opt in: their callback is lock-free and ignores a removed registration.
    /// </summary>
    internal virtual bool WakesWithoutLock => false;

    /// <summary>
    /// Called with the queue's lock held (unless <see cref="WakesWithoutLock"/>) when the queue is woken with <paramref name="key"/> (0 = "re-poll
    /// everything"). Returns whether the entry consumed the wakeup; only matters for exclusive entries.
    /// Must not block and must not take locks that are held while polling a file.
    /// </summary>
    protected internal abstract bool OnWake(EpollEvents key);
}

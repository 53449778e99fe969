using System.Diagnostics;

namespace EventPoll;

/// <summary>
/// One registration of a (file, descriptor number) pair with one instance (Linux: <c>struct epitem</c>).
/// It is its own wait entry on the file's wait queue, so a watch costs one object.
/// </summary>
/// <remarks>
/// Field protection (see <see cref="Eventpoll"/> for the lock order):
/// <list type="bullet">
/// <item><see cref="Ep"/>, <see cref="File"/>, <see cref="Fd"/>: immutable.</item>
/// <item>The settings, <see cref="Events"/> and the data: written under the item's own settings lock (a byte spin
/// lock, the innermost lock of all: nothing is taken under it), so EPOLL_CTL_MOD can change them without the
/// interest lock and a reader sees a pair one MOD wrote. <see cref="Events"/> alone is also read without the lock,
/// by <see cref="OnWake"/> and readiness checks, where a stale value is harmless: the harvest re-reads the pair
/// under the lock and masks its poll with it.</item>
/// <item><see cref="Removed"/>, and which queue the entry is on: under Ep's interest lock.</item>
/// <item><see cref="Queued"/>, <see cref="NextReady"/>: the ready-queue protocol (<see cref="ReadyList"/>).</item>
/// <item><see cref="FilePrev"/>, <see cref="FileNext"/>, <see cref="Dying"/>: under File's f_lock.</item>
/// </list>
/// </remarks>
internal sealed class EpItem : WaitEntry
{
    /// <summary>Bits that describe the registration rather than readiness (Linux: EP_PRIVATE_BITS).</summary>
    internal const uint PrivateBits = (uint)(EpollEvents.Wakeup | EpollEvents.OneShot | EpollEvents.EdgeTriggered | EpollEvents.Exclusive);

    private volatile uint _events;  // under _settingsLock for writes (see the remarks)
    private ulong _data;             // under _settingsLock
    private byte _settingsLock;      // 1 while held; a byte, so it fits in the object's padding (the memory bar)

    internal EpItem(Eventpoll ep, OpenFile file, int fd, uint events, ulong data)
    {
        Ep = ep;
        File = file;
        Fd = fd;
        _events = events;
        _data = data;
    }

    /// <summary>A queue stub that is never registered (used by <see cref="ReadyList"/>).</summary>
    // Stryker disable once Unary : nothing reads the stub's descriptor number: it is in no interest set, and the ready list knows it by reference
    internal EpItem(Eventpoll ep) : this(ep, ep, -1, 0, 0) { }

    internal Eventpoll Ep { get; }
    internal OpenFile File { get; }
    internal int Fd { get; }

    /// <summary>
    /// Interest mask including the private bits; ERR|HUP are OR-ed in by ADD and MOD. A lock-free read, possibly
    /// stale: see the remarks, and <see cref="ReadSettings"/> for the pair.
    /// </summary>
    internal uint Events => _events;

    /// <summary>The events and data one MOD (or the ADD) set, read together.</summary>
    internal (uint Events, ulong Data) ReadSettings()
    {
        LockSettings();
        (uint, ulong) settings = (_events, _data);
        UnlockSettings();
        return settings;
    }

    /// <summary>EPOLL_CTL_MOD's store: the new events and data, together.</summary>
    internal void WriteSettings(uint events, ulong data)
    {
        LockSettings();
        _events = events;
        _data = data;
        UnlockSettings();
    }

    /// <summary>
    /// A harvest's ONESHOT disable (Linux: ep_send_events clearing the non-private bits), applied only if the
    /// settings are still <paramref name="events"/> and <paramref name="data"/>, the pair the harvest read before
    /// it polled. If a MOD wrote others in between, the delivery counts as made before that MOD, whose arming
    /// stands, so the disable is skipped. If a MOD wrote the same pair, the state is the one read and the delivery
    /// consumes it, as a harvest right after that MOD would.
    /// </summary>
    internal void DisableIfUnchanged(uint events, ulong data)
    {
        LockSettings();
        if (_events == events && _data == data) _events = events & PrivateBits;
        UnlockSettings();
    }

    /// <remarks>Held for a few loads and stores only; a waiter pauses, and sleeps only if the holder was preempted.</remarks>
    private void LockSettings()
    {
        for (int round = 0; Interlocked.CompareExchange(ref _settingsLock, 1, 0) != 0; round++) BriefSpin.PauseOrSleep(round);
    }

    private void UnlockSettings() => Volatile.Write(ref _settingsLock, 0);

    /// <summary>
    /// True while the watched file is an instance with a kernel side and this registration is held in the owning
    /// instance's kernel epoll (its tag and descriptor are the owner's to keep, see Eventpoll.Kernel.cs); in-process
    /// wakeups then leave the item alone, since the kernel reports it. A bool, so it fits in the object's padding: an
    /// item's size is the memory bar's (issue 4). Written under the owning instance's interest lock, read without it.
    /// </summary>
    internal volatile bool KernelHeld;

    /// <summary>1 while the item sits on the instance's ready structures (Linux: ep_is_linked).</summary>
    internal int Queued;

    /// <summary>Link in the ready queue or the consumer's list.</summary>
    internal EpItem? NextReady;

    /// <summary>Set when the item left the interest set; the ready structures drop it lazily.</summary>
    internal volatile bool Removed;

    internal EpItem? FilePrev;
    internal EpItem? FileNext;
    internal bool Dying;

    /// <summary>EPOLLEXCLUSIVE can only be set by ADD and an exclusive item cannot be modified, so this never changes.</summary>
    public override bool Exclusive => (_events & (uint)EpollEvents.Exclusive) != 0;

    protected internal override bool OnWake(EpollEvents key) => Ep.OnItemWake(this, (uint)key);

    /// <summary>
    /// The callback needs no lock of the file's, and a wakeup that arrives just after removal is harmless: it can
    /// queue the removed item, which the ready list drops when it reaches it (see <see cref="ReadyList"/>).
    /// </summary>
    internal override bool WakesWithoutLock => true;

    /// <summary>Links this item into its file's watcher list (Linux: attach_epitem). Caller holds File's f_lock.</summary>
    internal void AttachToFile()
    {
        // Stryker disable once Statement : a removed Debug.Assert
        Debug.Assert(File.WatchersLocked);
        FilePrev = null;
        FileNext = File.FirstWatcher;
        if (FileNext is not null) FileNext.FilePrev = this;
        Volatile.Write(ref File.FirstWatcher, this);
    }

    /// <summary>Unlinks this item from its file's watcher list. Caller holds File's f_lock.</summary>
    internal void DetachFromFile()
    {
        // Stryker disable once Statement : a removed Debug.Assert
        Debug.Assert(File.WatchersLocked);
        if (FilePrev is null) Volatile.Write(ref File.FirstWatcher, FileNext); else FilePrev.FileNext = FileNext;
        if (FileNext is not null) FileNext.FilePrev = FilePrev;
        FilePrev = FileNext = null;
    }

    /// <summary>
    /// Removes every item that watches <paramref name="file"/> from its instance, after the file's last
    /// reference is gone (Linux: eventpoll_release_file). Each item is marked dying under f_lock first, so
    /// a concurrent close of its instance leaves it to this path; neither path takes a global lock.
    /// </summary>
    internal static void RemoveAllWatchers(OpenFile file)
    {
        while (true)
        {
            EpItem? item;
            using (file.LockWatchers())
            {
                item = file.FirstWatcher;
                if (item is null) return;
                item.Dying = true;
            }
            item.Ep.RemoveDyingItem(item);
        }
    }

    /// <summary>A wait entry of an item on a second or later queue of a file that registered several.</summary>
    internal sealed class ExtraWaitEntry : WaitEntry
    {
        private readonly EpItem _item;

        internal ExtraWaitEntry(EpItem item)
        {
            _item = item;
        }

        public override bool Exclusive => _item.Exclusive;

        protected internal override bool OnWake(EpollEvents key) => _item.Ep.OnItemWake(_item, (uint)key);
    }
}

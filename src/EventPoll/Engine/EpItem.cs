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
/// <item><see cref="Events"/>: written under Ep's interest lock; read without it by <see cref="OnWake"/>, where a
/// stale value is harmless: the harvest re-polls under the interest lock and masks with the current value.</item>
/// <item><see cref="Data"/>, <see cref="Removed"/>, and which queue the entry is on: under Ep's interest lock.</item>
/// <item><see cref="Queued"/>, <see cref="NextReady"/>: the ready-queue protocol (<see cref="ReadyList"/>).</item>
/// <item><see cref="FilePrev"/>, <see cref="FileNext"/>, <see cref="Dying"/>: under File's f_lock.</item>
/// </list>
/// </remarks>
internal sealed class EpItem : WaitEntry
{
    /// <summary>Bits that describe the registration rather than readiness (Linux: EP_PRIVATE_BITS).</summary>
    internal const uint PrivateBits = (uint)(EpollEvents.Wakeup | EpollEvents.OneShot | EpollEvents.EdgeTriggered | EpollEvents.Exclusive);

    private volatile uint _events;

    internal EpItem(Eventpoll ep, OpenFile file, int fd, uint events, ulong data)
    {
        Ep = ep;
        File = file;
        Fd = fd;
        _events = events;
        Data = data;
    }

    /// <summary>A queue stub that is never registered (used by <see cref="ReadyList"/>).</summary>
    internal EpItem(Eventpoll ep) : this(ep, ep, -1, 0, 0) { }

    internal Eventpoll Ep { get; }
    internal OpenFile File { get; }
    internal int Fd { get; }

    /// <summary>Interest mask including the private bits; ERR|HUP are OR-ed in by ADD and MOD.</summary>
    internal uint Events
    {
        get => _events;
        set => _events = value;
    }

    internal ulong Data;

    /// <summary>1 while the item sits on the instance's ready structures (Linux: ep_is_linked).</summary>
    internal int Queued;

    /// <summary>Link in the ready queue or the consumer's list.</summary>
    internal EpItem? NextReady;

    /// <summary>Set when the item left the interest set; the ready structures drop it lazily.</summary>
    internal volatile bool Removed;

    internal EpItem? FilePrev;
    internal EpItem? FileNext;
    internal bool Dying;

    internal bool IsEdgeTriggered => (Events & (uint)EpollEvents.EdgeTriggered) != 0;
    internal bool IsOneShot => (Events & (uint)EpollEvents.OneShot) != 0;

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
        Debug.Assert(File.WatchersLocked);
        FilePrev = null;
        FileNext = File.FirstWatcher;
        if (FileNext is not null) FileNext.FilePrev = this;
        Volatile.Write(ref File.FirstWatcher, this);
    }

    /// <summary>Unlinks this item from its file's watcher list. Caller holds File's f_lock.</summary>
    internal void DetachFromFile()
    {
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

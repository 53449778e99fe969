using System.Diagnostics;

namespace EventPoll;

/// <summary>
/// An epoll instance (Linux: <c>struct eventpoll</c> and its anon-inode file). It is itself an
/// <see cref="OpenFile"/>: it can be watched by other instances and reports IN|RDNORM while it has ready items.
/// </summary>
/// <remarks>
/// <para><b>Locks and their order</b> (outermost first; a thread may only take a lock below the ones it holds).
/// Every lock is a <see cref="ShortLock"/> except f_lock, and none is re-entrant: a thread never takes a lock it
/// already holds (a file released under an interest lock has its teardown deferred, see <see cref="OpenFile"/>).</para>
/// <list type="number">
/// <item>Only in the "before" design <see cref="EngineDesign.GlobalClosePathLock"/>: the process-wide close-path
/// lock, taken before <c>_mtx</c> on both close paths.</item>
/// <item><see cref="LoopCheck.NestedLock"/> (process-wide): only EPOLL_CTL_ADD where loops or deep paths could
/// form (Linux: epnested_mutex). Never on a close path.</item>
/// <item><c>_mtx</c>, the interest lock (Linux: ep->mtx): ctl, harvests, polls of this instance, fdinfo, and
/// removal of items. When instance A watches instance B, A's lock is taken before B's.</item>
/// <item>A file's wait-queue lock (<see cref="WaitQueue.SyncRoot"/>, usually the source's state lock). Wakeup
/// callbacks (<see cref="OnItemWake"/>) run under it, except an eventfd's wakeup of its only item, which runs
/// without it (<see cref="WaitQueue.WakeSoleWithoutLock"/>); they touch only the lock-free ready queue, the waiter
/// queue's small lock and, for nesting, the wait queues of watching instances (further down the same order).</item>
/// <item>Only in the "before" design <see cref="EngineDesign.LockedReadyList"/>: the ready list's lock
/// (<see cref="ReadyList.Gate"/>), under which callbacks run their whole body and harvests splice.</item>
/// <item>A file's f_lock (<see cref="OpenFile.LockWatchers"/>, a spin lock): its watcher list and the items' Dying flags. Nothing is taken under it.</item>
/// <item><see cref="WaiterQueue"/>'s lock: the blocked waiters. Nothing is taken under it.</item>
/// <item>An item's settings lock (a byte in <see cref="EpItem"/>): its events and data, for a few loads and stores.
/// Nothing is taken under it, and it is taken under nothing but <c>_mtx</c>.</item>
/// </list>
/// <para><b>EPOLL_CTL_MOD without the interest lock.</b> Linux serialises MOD with every harvest on ep->mtx, and
/// in a ONESHOT server every wait is followed by a re-arm, so the waiters queue on that lock twice per event. Here a
/// MOD finds its item with a lock-free lookup (<see cref="InterestSet.FindWithoutLock"/>; a miss is confirmed under
/// the lock), writes the pair under the item's settings lock, and polls and queues like a wakeup. Against a
/// concurrent DEL it takes effect before the removal; against a concurrent harvest the harvest acts on the pair
/// it read (<see cref="EpItem.DisableIfUnchanged"/>); against a concurrent ADD it can only find the item once ADD
/// has committed it. Measured on eponeshotmt (4 waiters, 4 writers, 2 cores), 4 alternating runs each: median
/// 1.07-1.14M waits/s against 0.93-1.09M with MOD under the lock.</para>
/// <para><b>Lifetime</b> (the v6.4 refcount design): <c>_refs</c> counts one reference for the open file plus one
/// per item. Closing the instance removes every item that is not dying and drops the file's reference;
/// the last close of a watched file marks its items dying and removes them (<see cref="EpItem.RemoveAllWatchers"/>).
/// Whichever drops the last reference frees the instance. Neither path takes a process-wide lock.</para>
/// <para>Fields: <c>_items</c> changes under <c>_mtx</c> (MOD also reads it without, see <see cref="InterestSet.FindWithoutLock"/>); <c>_extraEntries</c> and <c>_registrar</c> are under <c>_mtx</c>; <c>_ready</c> documents its own protocol; <c>_refs</c> changes only under <c>_mtx</c> (every path that adds or drops an item holds it; <see cref="IsFreed"/> reads it without);
/// <see cref="LoopGeneration"/> and <see cref="LoopDepth"/> are under <see cref="LoopCheck.NestedLock"/>.</para>
/// </remarks>
internal sealed partial class Eventpoll : OpenFile
{
    private static long s_liveInstances;

    private readonly ShortLock _mtx = new();
    private readonly InterestSet _items = new();
    private Dictionary<EpItem, List<EpItem.ExtraWaitEntry>>? _extraEntries; // files that register several queues (rare)
    private readonly ReadyList _ready;
    private readonly WaiterQueue _waiters = new();
    private readonly ItemRegistrar _registrar = new(); // under _mtx
    private int _refs = 1; // under _mtx; see the remarks

    internal Eventpoll(WatchAccount account, EngineDesign? design = null)
    {
        Account = account;
        Design = design ?? EngineDesign.Default;
        _ready = new ReadyList(this, Design.LockedReadyList);
        Interlocked.Increment(ref s_liveInstances);
    }

    /// <summary>Instances not yet freed, process-wide (for leak checks).</summary>
    internal static long LiveInstances => Volatile.Read(ref s_liveInstances);

    /// <summary>The design this instance runs (the product's unless a benchmark asks for a "before").</summary>
    internal EngineDesign Design { get; }

    /// <summary>The account every registration of this instance is charged to (Linux: ep->user).</summary>
    internal WatchAccount Account { get; }

    /// <summary>Waiters of poll() on this instance and the items of instances that watch it (Linux: ep->poll_wait).</summary>
    internal WaitQueue PollWait { get; } = new();

    internal long LoopGeneration;
    internal int LoopDepth;

    /// <summary>Whether the instance has been freed (its last reference dropped).</summary>
    internal bool IsFreed => Volatile.Read(ref _refs) == 0;

    /// <summary>Number of registered items.</summary>
    internal int ItemCount
    {
        get
        {
            using (_mtx.EnterScope()) return _items.Count;
        }
    }

    /// <inheritdoc />
    internal override ulong Inode => InodeNumbers.AnonInode;

    /// <inheritdoc />
    internal override uint DeviceId => InodeNumbers.AnonDevice;

    /// <summary>
    /// The wakeup callback of an item (Linux: ep_poll_callback): queues the item and wakes one waiter and
    /// the watchers of this instance. Runs under the woken file's queue lock (or none, for an eventfd's sole
    /// item, possibly just after the item's removal); lock-free otherwise except for the waiter queue's small
    /// lock when a waiter exists. Returns whether an exclusive wakeup was consumed.
    /// </summary>
    internal bool OnItemWake(EpItem item, uint key)
    {
        // The locked "before" design runs the whole callback under the ready list's lock, the disabled-item check
        // included, as Linux did before the wfcqueue series (ep->lock); the product design takes no lock here.
        // Stryker disable once Boolean : only an exclusive entry's result is read, and a kernel-held item watches an instance, which EPOLLEXCLUSIVE refuses
        if (item.KernelHeld) return true; // held in the kernel epoll, which reports it
        ShortLock? gate = _ready.Gate;
        gate?.Enter();
        bool consumed;
        try
        {
            uint events = item.Events;
            // Stryker disable once Bitwise : only an exclusive entry's result is used (WaitQueue.WakeLocked; the lock-free sole wakeup ignores it), and it is false for one either way
            consumed = (events & (uint)EpollEvents.Exclusive) == 0;

            // A disabled ONESHOT item (no non-private bits) and keys outside the interest are ignored.
            if ((events & ~EpItem.PrivateBits) == 0 || (key != 0 && (key & events) == 0)) return consumed;

            // Full fence: orders the queueing before the waiter check below.
            if (gate is null) _ready.TryEnqueue(item); else _ready.TryEnqueueUnderGate(item);

            if (_waiters.HasWaiters)
            {
                // Stryker disable once Bitwise : computing the result for a non-exclusive entry too changes nothing: only an exclusive entry's is used (WaitQueue.WakeLocked)
                if ((events & (uint)EpollEvents.Exclusive) != 0) consumed = ExclusiveWakeConsumed(key, events);
                _waiters.WakeOne();
            }
        }
        finally
        {
            gate?.Exit();
        }
        if (PollWait.HasEntries) PollWait.Wake(EpollEvents.In);
        SignalIfInProcessReady();
        return consumed;
    }

    /// <summary>
    /// An exclusive item consumes a wakeup only if the key's IN/OUT class matches its interest; a key with
    /// both IN and OUT is passed on to the next exclusive entry (Linux: the switch in ep_poll_callback).
    /// </summary>
    private static bool ExclusiveWakeConsumed(uint key, uint events) => (key & (uint)(EpollEvents.In | EpollEvents.Out)) switch
    {
        (uint)EpollEvents.In => (events & (uint)EpollEvents.In) != 0,
        (uint)EpollEvents.Out => (events & (uint)EpollEvents.Out) != 0,
        0 => true,
        _ => false,
    };

    /// <summary>
    /// Queues an item found ready by ADD or MOD and wakes as the callback would (Linux: the tail of
    /// ep_insert/ep_modify). Producer side only, like the callback, so MOD calls it without the interest lock.
    /// </summary>
    private void QueueReady(EpItem item)
    {
        if (!_ready.TryEnqueue(item)) return;
        if (_waiters.HasWaiters) _waiters.WakeOne();
        if (PollWait.HasEntries) PollWait.Wake(EpollEvents.In);
        SignalIfInProcessReady();
    }

    /// <summary>
    /// Polls the target of a ctl call, which holds a reference to it for the whole call, and masks the result with
    /// <paramref name="events"/> (Linux: ep_item_poll).
    /// </summary>
    private static uint PollTarget(EpItem item, uint events, PollTable? table) => (uint)item.File.Poll(table) & events;

    /// <summary>
    /// Polls a queued item's file for a scan of the ready list (harvest, or this instance polled as a file) and masks
    /// the result with <paramref name="events"/> (Linux: ep_item_poll with epi_fget). The scan holds <c>_mtx</c>, and
    /// the file's teardown must take it to remove this item (<see cref="EpItem.RemoveAllWatchers"/>) before the file's
    /// own release runs, so the file is not torn down while polled, without the temporary reference epi_fget takes
    /// (two read-modify-writes of the file's count per item harvested). What epi_fget's failure means stays: a file
    /// whose last reference is gone (mid-close) polls as 0, and its teardown, waiting for the lock, removes the item.
    /// A poll that may drop references (a nested instance, a source of the user's) has final releases deferred until
    /// the scan leaves the lock: the first such poll sets <paramref name="deferring"/>, and the scan ends the
    /// deferral (<see cref="OpenFile.DeferredRelease.Exit"/>) after its unlock.
    /// </summary>
    private static uint PollQueued(EpItem item, uint events, ref bool deferring)
    {
        OpenFile file = item.File;
        // Stryker disable once Statement,String : a removed Debug.Assert (or its message)
        Debug.Assert(item.Ep._mtx.IsHeldByCurrentThread, "a scan's poll without the interest lock needs epi_fget's pin");
        if (file.IsReleased) return 0;
        if (!deferring && !file.PollReleasesNothing)
        {
            OpenFile.DeferredRelease.Enter();
            deferring = true;
        }
        return (uint)file.Poll(null) & events;
    }

    /// <summary>
    /// Takes the interest lock and, unless the caller knows no file can be pinned and released inside, defers
    /// final file releases until it is left (a release under the lock could need this very lock again).
    /// </summary>
    private MtxScope EnterMtx(bool deferReleases = true)
    {
        _mtx.Enter();
        if (deferReleases) OpenFile.DeferredRelease.Enter();
        return new MtxScope(_mtx, deferReleases);
    }

    private readonly ref struct MtxScope(ShortLock mtx, bool deferReleases)
    {
        public void Dispose()
        {
            mtx.Exit();
            if (deferReleases) OpenFile.DeferredRelease.Exit();
        }
    }

    /// <summary>Removes an item (Linux: __ep_remove). Caller holds <c>_mtx</c>; returns false for a dying item unless forced.</summary>
    private bool RemoveLocked(EpItem item, bool force)
    {
        // Stryker disable once Statement : a removed Debug.Assert
        Debug.Assert(_mtx.IsHeldByCurrentThread);
        UnregisterPollWait(item);
        if (item.KernelHeld) UnregisterFromKernel(item); // the item goes either way (a dying one by its file's release)
        using (item.File.LockWatchers())
        {
            if (item.Dying && !force) return false;
            item.DetachFromFile();
        }
        _items.Remove(item);
        item.Removed = true;
        if (Volatile.Read(ref item.Queued) != 0) _ready.OnQueuedItemRemoved(_items.Count);
        Account.Uncharge();
        return true;
    }

    /// <summary>Drops one reference; true when it was the last (the caller then calls <see cref="Free"/>).</summary>
    private bool PutRef() => AddRefsLocked(-1) == 0;

    /// <summary>
    /// Changes <c>_refs</c> by <paramref name="delta"/> and returns the new count. Every change happens under
    /// <c>_mtx</c>, so a plain store does; it is volatile for <see cref="IsFreed"/>, which reads without the lock.
    /// </summary>
    private int AddRefsLocked(int delta)
    {
        // Stryker disable once Statement : a removed Debug.Assert
        Debug.Assert(_mtx.IsHeldByCurrentThread);
        int refs = _refs + delta;
        // Stryker disable once Statement,String : a removed Debug.Assert (or its message)
        Debug.Assert(refs >= 0, "instance reference count went negative");
        Volatile.Write(ref _refs, refs);
        return refs;
    }

    private void Free()
    {
        // Stryker disable once Statement,String : a removed Debug.Assert (or its message)
        Debug.Assert(_items.Count == 0, "an instance is freed only after its last item left");
        FreeKernel();
        Interlocked.Decrement(ref s_liveInstances);
    }

    /// <summary>Removes an item whose file is being released (called by <see cref="EpItem.RemoveAllWatchers"/>).</summary>
    internal void RemoveDyingItem(EpItem item)
    {
        using var closePath = Design.EnterClosePath();
        bool dispose;
        using (EnterMtx())
        {
            dispose = RemoveLocked(item, force: true) && PutRef();
        }
        if (dispose) Free();
    }

    /// <summary>
    /// The instance's last descriptor is closed (Linux: ep_clear_and_put): remove every item that is not dying (a
    /// dying one belongs to a concurrent release of its file, which removes it and drops its reference), then drop
    /// the file's reference. Every item's callbacks are unregistered, dying ones' too (<see cref="RemoveLocked"/> does
    /// that first). Unlike Linux there are no poll waiters to wake: the only entries of <see cref="PollWait"/> are the
    /// items of watching instances, and the release removed them (<see cref="EpItem.RemoveAllWatchers"/>) before this.
    /// </summary>
    protected override void OnRelease()
    {
        // Stryker disable once Statement,String : a removed Debug.Assert (or its message)
        Debug.Assert(!PollWait.HasEntries, "the watchers of an instance are removed before its own release");
        using var closePath = Design.EnterClosePath();
        int removed = 0;
        bool dispose;
        using (EnterMtx())
        {
            foreach (EpItem item in _items.ToArray())
            {
                if (RemoveLocked(item, force: false)) removed++;
            }
            _ready.Compact();
            dispose = AddRefsLocked(-(removed + 1)) == 0;
        }
        if (dispose) Free();
    }

    /// <summary>Removes an item's entries from every wait queue (Linux: ep_unregister_pollwait). Caller holds <c>_mtx</c>.</summary>
    private void UnregisterPollWait(EpItem item)
    {
        // Stryker disable once Statement : a removed Debug.Assert
        Debug.Assert(_mtx.IsHeldByCurrentThread);
        item.Queue?.Remove(item);
        if (_extraEntries is null || !_extraEntries.Remove(item, out List<EpItem.ExtraWaitEntry>? extras)) return;
        foreach (EpItem.ExtraWaitEntry extra in extras) extra.Queue?.Remove(extra);
    }
}

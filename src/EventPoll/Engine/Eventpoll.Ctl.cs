using System.Diagnostics;

namespace EventPoll;

/// <summary>The operations of epoll_ctl.</summary>
#pragma warning disable CA1707 // the names are the Linux ones on purpose
public enum EpollOp
{
    /// <summary>EPOLL_CTL_ADD: register a descriptor.</summary>
    Add = 1,
    /// <summary>EPOLL_CTL_DEL: unregister a descriptor.</summary>
    Del = 2,
    /// <summary>EPOLL_CTL_MOD: change a registration's events and data.</summary>
    Mod = 3,
}
#pragma warning restore CA1707

internal sealed partial class Eventpoll
{
    /// <summary>Bits EPOLLEXCLUSIVE may be combined with (Linux: EPOLLEXCLUSIVE_OK_BITS).</summary>
    private const uint ExclusiveOkBits = (uint)(EpollEvents.In | EpollEvents.Out | EpollEvents.Err | EpollEvents.Hup
        | EpollEvents.Wakeup | EpollEvents.EdgeTriggered | EpollEvents.Exclusive);

    private const uint AlwaysReported = (uint)(EpollEvents.Err | EpollEvents.Hup);

    /// <summary>
    /// epoll_ctl after descriptor lookup, in Linux's check order (do_epoll_ctl): EPERM for a file that
    /// cannot be polled, EINVAL for a non-epoll or self target and the EXCLUSIVE rules, ELOOP, then
    /// EEXIST/ENOENT, EINVAL for MOD of an exclusive item or an unknown op, and ENOSPC/EINVAL from insert.
    /// Returns 0 or <c>-errno</c>. <paramref name="epFile"/> and <paramref name="target"/> are pinned by the caller
    /// for the whole call (ADD and MOD poll the target under that pin).
    /// </summary>
    internal static int Ctl(OpenFile epFile, int op, OpenFile target, int fd, uint events, ulong data)
    {
        if (!target.CanPoll) return Failure.Of(Errno.EPERM, "the target file does not support polling (a regular file cannot be watched)");
        bool hasEvent = op != (int)EpollOp.Del;
        if (hasEvent) events &= ~(uint)EpollEvents.Wakeup; // no CAP_BLOCK_SUSPEND: silently dropped
        if (epFile == target) return Failure.Of(Errno.EINVAL, "an epoll instance cannot watch itself");
        if (epFile is not Eventpoll ep) return Syscalls.NotAnEpoll();
        if (hasEvent && (events & (uint)EpollEvents.Exclusive) != 0)
        {
            if (op == (int)EpollOp.Mod) return Failure.Of(Errno.EINVAL, "EPOLL_CTL_MOD cannot set EPOLLEXCLUSIVE");
            if (op == (int)EpollOp.Add && target is Eventpoll)
                return Failure.Of(Errno.EINVAL, "EPOLLEXCLUSIVE cannot be used to watch an epoll instance");
            if (op == (int)EpollOp.Add && (events & ~ExclusiveOkBits) != 0) return ExclusiveCombination(events & ~ExclusiveOkBits);
        }
        return ep.CtlChecked(op, target, fd, events, data);
    }

    /// <summary>EINVAL for EPOLLEXCLUSIVE with <paramref name="refused"/> bits, naming them.</summary>
    private static int ExclusiveCombination(uint refused) => Failure.Of(Errno.EINVAL,
        $"EPOLLEXCLUSIVE cannot be combined with {EpollEventNames.Format((EpollEvents)refused, "EPOLL")}; it allows only EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLWAKEUP and EPOLLET");

    private int CtlChecked(int op, OpenFile target, int fd, uint events, ulong data)
    {
        // MOD of a registered item needs no interest lock (see the class remarks); a miss is checked under it.
        if (op == (int)EpollOp.Mod && _items.FindWithoutLock(target, fd) is EpItem found && !found.Removed && !found.KernelHeld)
        {
            return ModifyItem(found, events, data, locked: false);
        }
        if (op == (int)EpollOp.Add && target is Eventpoll { Kernel: not null } && Kernel is null)
        {
            // Watching an instance with a kernel side needs one here: made, and this instance's own registrations in
            // its watchers moved into theirs, while it still holds nothing, so the moves queue nothing (see
            // RegisterInKernel); the ADD below then wakes the watchers as Linux's would.
            int made = EnsureKernel();
            if (made < 0) return made;
        }
        bool hadKernel = Kernel is not null;
        int result = CtlCheckedSlow(op, target, fd, events, data);
        if (!hadKernel && Kernel is not null)
        {
            // Watching an instance with a kernel side gave this one a kernel side too: push it up to this instance's
            // watchers, and send waiters asleep in the waiter queue to wait in the kernel.
            AdoptKernelWatchers();
            _waiters.WakeAll();
        }
        return result;
    }

    private int CtlCheckedSlow(int op, OpenFile target, int fd, uint events, ulong data)
    {

        // A full topology check is needed when this instance is itself watched or the target is an
        // instance (Linux: full_check); it serialises on the nested lock, as epnested_mutex does.
        bool fullCheck = op == (int)EpollOp.Add && (Volatile.Read(ref FirstWatcher) is not null || target is Eventpoll);
        if (!fullCheck) return CtlLocked(op, target, fd, events, data, null);

        using (LoopCheck.NestedLock.EnterScope())
        {
            var check = new LoopCheck(this);
            if (target is Eventpoll inner && !check.AllowsEdgeTo(inner))
                return Failure.Of(Errno.ELOOP, $"watching this instance would create a cycle or a path of more than {LoopCheck.MaxNests} epoll-to-epoll edges");
            if (target is not Eventpoll) check.AddLeaf(target);
            return CtlLocked(op, target, fd, events, data, check);
        }
    }

    private int CtlLocked(int op, OpenFile target, int fd, uint events, ulong data, LoopCheck? check)
    {
        // Under the lock ctl itself drops no reference (the caller pinned the target); only the target's poll
        // could, if it runs foreign code (a nested instance polling its own items, a custom source). The
        // deferral's thread-local bookkeeping is measurable on ADD+DEL, so built-in sources skip it.
        using (EnterMtx(deferReleases: !target.PollReleasesNothing))
        {
            EpItem? item = _items.Find(target, fd);
            switch (op)
            {
                case (int)EpollOp.Add:
                    return item is null
                        ? Insert(target, fd, events | AlwaysReported, data, check)
                        : Failure.Of(Errno.EEXIST, "this file is already registered under this descriptor");
                case (int)EpollOp.Del:
                    if (item is null) return NotRegistered();
                    // Stryker disable once Boolean : ctl's caller pins the target for the whole call, so its release, the only path that marks its items dying, has not begun: force changes nothing
                    if (RemoveLocked(item, force: false))
                    {
                        bool last = PutRef();
                        // Stryker disable once Statement,String : a removed Debug.Assert (or its message)
                        Debug.Assert(!last, "the instance's own file reference is held by the caller");
                    }
                    return 0;
                case (int)EpollOp.Mod:
                    return item is null ? NotRegistered() : ModifyItem(item, events, data, locked: true);
                default:
                    return -(int)Errno.EINVAL; // no sentence: only the POSIX facade can pass an unknown op (see Failure's remarks)
            }
        }
    }

    private static int NotRegistered() => Failure.Of(Errno.ENOENT, "the descriptor is not registered with this instance");

    /// <summary>EPOLL_CTL_ADD (Linux: ep_insert). Caller holds <c>_mtx</c>.</summary>
    private int Insert(OpenFile target, int fd, uint events, ulong data, LoopCheck? check)
    {
        if (!Account.TryCharge())
            return Failure.Of(Errno.ENOSPC, $"the watch account is at its limit of {Account.MaxWatches} watches (max_user_watches)");
        var item = new EpItem(this, target, fd, events, data);
        using (target.LockWatchers()) item.AttachToFile();
        // The path check counts the new edge through the file's watcher list; the item joins the interest set
        // (where a lock-free MOD can find it) only once the ADD cannot fail any more.
        if (check is not null && !check.ReversePathsWithinLimits())
        {
            using (target.LockWatchers()) item.DetachFromFile();
            Account.Uncharge();
            return Failure.Of(Errno.EINVAL, "the target is already reached by too many wakeup paths through nested instances");
        }
        _items.Add(item);
        AddRefsLocked(1);

        if (target is Eventpoll { Kernel: not null })
        {
            // The watched instance has a kernel side: the registration is held in this one's (see Eventpoll.Kernel.cs),
            // whose ADD polls it. Its watchers learn of a kernel side made here once the lock is left (CtlChecked).
            int registered = CreateKernel(out _);
            if (registered >= 0) registered = RegisterInKernel(item, moving: false);
            if (registered >= 0) return 0;
            // Stryker disable once Boolean : the target is pinned by ctl's caller, so the item just added cannot be dying: force changes nothing
            RemoveLocked(item, force: true);
            PutRef();
            return registered;
        }

        _registrar.Item = item;
        uint revents = PollTarget(item, item.Events, _registrar);
        _registrar.Item = null;
        if (revents != 0) QueueReady(item);
        return 0;
    }

    /// <summary>EPOLL_CTL_MOD of a found item: EINVAL for an exclusive one, else <see cref="Modify"/>. With (<paramref name="locked"/>) or without <c>_mtx</c>.</summary>
    private int ModifyItem(EpItem item, uint events, ulong data, bool locked)
    {
        if (item.Exclusive) return Failure.Of(Errno.EINVAL, "a registration made with EPOLLEXCLUSIVE cannot be modified");
        Modify(item, events | AlwaysReported, data, locked);
        return 0;
    }

    /// <summary>
    /// EPOLL_CTL_MOD (Linux: ep_modify): store, then re-poll and queue if ready. Needs no interest lock: the
    /// store is under the item's settings lock and the rest is what a wakeup does.
    /// </summary>
    private static void Modify(EpItem item, uint events, ulong data, bool locked)
    {
        item.WriteSettings(events, data);
        Interlocked.MemoryBarrier(); // pairs with the wakeup path: the new mask is seen, or the poll sees the state
        if (item.KernelHeld)
        {
            // Held in the kernel (or moved there since the lock-free lookup): the kernel takes the settings and polls.
            if (locked) item.Ep.ModifyInKernel(item); else item.Ep.ReArmInKernel(item);
            return;
        }
        if (PollTarget(item, events, null) != 0) item.Ep.QueueReady(item);
    }

    /// <summary>
    /// Registers an item on the wait queues its file polls (Linux: ep_ptable_queue_proc). One per instance,
    /// used only by ADD under the interest lock, so an ADD allocates nothing but its item.
    /// </summary>
    private sealed class ItemRegistrar : PollTable
    {
        internal EpItem? Item; // under the owning instance's interest lock, set only during ADD's poll

        public override void Register(WaitQueue queue)
        {
            ArgumentNullException.ThrowIfNull(queue);
            EpItem item = Item ?? throw new InvalidOperationException("a poll table may only be used during the poll it was passed to");
            if (item.Queue is null)
            {
                queue.Add(item);
                return;
            }
            var extra = new EpItem.ExtraWaitEntry(item);
            Eventpoll ep = item.Ep;
            ep._extraEntries ??= new(ReferenceEqualityComparer.Instance);
            if (!ep._extraEntries.TryGetValue(item, out List<EpItem.ExtraWaitEntry>? extras)) ep._extraEntries[item] = extras = [];
            extras.Add(extra);
            queue.Add(extra);
        }
    }
}

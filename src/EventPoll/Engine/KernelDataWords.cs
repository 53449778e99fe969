using System.Diagnostics;
using EventPoll.Interop;

namespace EventPoll;

/// <summary>
/// The data words of an instance's kernel epoll. A registration's own data word is passed to the kernel unchanged,
/// so a harvest copies the kernel's events as they are, except in the reserved range (the top 2^32 values): there
/// the kernel carries a tag naming a slot here, which holds either a user's data word that fell in the range (it
/// is translated back on harvest) or the registration of a watched instance (<see cref="EpItem"/>, see
/// <see cref="Eventpoll"/>'s kernel side). <see cref="KernelPoller.SignalData"/> is the top value itself.
/// </summary>
/// <remarks>
/// <para>A tag is <see cref="ReservedBase"/> + (generation &lt;&lt; 20) + index: a slot freed and reused gets a new
/// generation, so an event harvested under the old tag is recognised as stale and dropped, never attributed to the
/// new owner.</para>
/// <para>The kernel stays the source of truth for OS registrations: the only record kept by descriptor number is the
/// slot of a number's current registration whose data word fell in the range, so that MOD and DEL can free it. A
/// successful ADD on a number forgets that number's previous slot without freeing it, since the previous file may
/// live on through a dup and its item still report that tag; such slots are reclaimed only with the instance.</para>
/// <para>Every field is under <c>_lock</c>; callers hold it across the kernel call a bookkeeping step describes
/// (<see cref="Enter"/>), so two ctl calls on one number cannot interleave their steps.</para>
/// </remarks>
internal sealed class KernelDataWords
{
    /// <summary>The first reserved data word.</summary>
    internal const ulong ReservedBase = 0xFFFF_FFFF_0000_0000;

    private const int IndexBits = 20, GenerationBits = 12;
    private const int MaxSlots = (1 << IndexBits) - 1; // the all-ones tag is the signal's

    private readonly Lock _lock = new();
    private Slot[] _slots = [];          // under _lock
    private int _used;                   // under _lock: slots ever handed out (the rest of the array is unused)
    private int _freeHead = -1;          // under _lock
    private Dictionary<int, int>? _byFd; // under _lock: number -> slot of its current registration's user data
    private int _records;                 // _byFd's count, written under _lock, read without it (HasRecords)

    private struct Slot
    {
        internal ulong Data;     // a user's data word, when Item is null
        internal EpItem? Item;   // a watched instance's registration
        internal int NextFree;   // while free: the next free slot, or -1 (unread while in use)
        internal ushort Generation;
        internal bool InUse;
    }

    /// <summary>Whether <paramref name="word"/> is in the reserved range.</summary>
    internal static bool IsReserved(ulong word) => word >= ReservedBase;

    /// <summary>
    /// Whether any number has a slot recorded. Without one, a ctl whose data word is not reserved has no bookkeeping
    /// to do and needs no lock; a colliding registration racing it on the same number can at worst leave a slot that
    /// no kernel item names until the instance closes.
    /// </summary>
    internal bool HasRecords => Volatile.Read(ref _records) != 0;

    /// <summary>Holds the lock for a ctl and its bookkeeping.</summary>
    internal Lock.Scope Enter() => _lock.EnterScope();

    /// <summary>The word to register for a user's <paramref name="data"/>: itself, or a new slot's tag (caller holds the lock). -ENOSPC when the slots run out.</summary>
    internal int TagForUser(ulong data, out ulong tag)
    {
        // Stryker disable once Statement,String : a removed Debug.Assert (or its message)
        Debug.Assert(_lock.IsHeldByCurrentThread);
        tag = data;
        return IsReserved(data) ? Allocate(data, null, out tag) : 0;
    }

    /// <summary>A new slot's tag for a watched instance's registration; -ENOSPC when the slots run out.</summary>
    internal int TagForItem(EpItem item, out ulong tag)
    {
        using (_lock.EnterScope()) return Allocate(0, item, out tag);
    }

    /// <summary>Frees the slot of a tag (no-op for an unreserved word). Caller holds the lock or passes <paramref name="locked"/> false.</summary>
    internal void Free(ulong tag, bool locked = true)
    {
        if (!IsReserved(tag)) return;
        if (locked) FreeLocked(tag);
        else using (_lock.EnterScope()) FreeLocked(tag);
    }

    /// <summary>
    /// Records a successful ctl (caller holds the lock): for ADD, the number's previous slot is forgotten (see the
    /// remarks); for MOD and DEL it is freed; a reserved <paramref name="tag"/> of ADD or MOD becomes the number's slot.
    /// </summary>
    internal void Committed(EpollOp op, int fd, ulong tag)
    {
        // Stryker disable once Statement,String : a removed Debug.Assert (or its message)
        Debug.Assert(_lock.IsHeldByCurrentThread);
        if (_byFd is not null && _byFd.Remove(fd, out int previous) && op != EpollOp.Add) FreeLocked(TagOf(previous));
        if (op != EpollOp.Del && IsReserved(tag)) (_byFd ??= [])[fd] = IndexOf(tag);
        Volatile.Write(ref _records, _byFd?.Count ?? 0);
    }

    /// <summary>
    /// What a harvested reserved word stands for: true with the user's data word or the watched instance's item, false
    /// for a stale tag (its slot was freed since the kernel queued the event).
    /// </summary>
    internal bool TryResolve(ulong tag, out ulong data, out EpItem? item)
    {
        // Stryker disable once Statement,Logical : a removed Debug.Assert, or its condition weakened (only the assert reads it)
        Debug.Assert(IsReserved(tag) && tag != KernelPoller.SignalData);
        using (_lock.EnterScope())
        {
            int index = IndexOf(tag);
            data = 0;
            item = null;
            if (index >= _used || !_slots[index].InUse || _slots[index].Generation != GenerationOf(tag)) return false;
            data = _slots[index].Data;
            item = _slots[index].Item;
            return true;
        }
    }

    private int Allocate(ulong data, EpItem? item, out ulong tag)
    {
        tag = 0;
        int index = _freeHead;
        if (index >= 0)
        {
            _freeHead = _slots[index].NextFree;
        }
        else
        {
            if (_used == MaxSlots) return Failure.Of(Errno.ENOSPC, $"more than {MaxSlots} registrations of this instance need a slot of their own");
            if (_used == _slots.Length) Array.Resize(ref _slots, Math.Max(4, _slots.Length * 2));
            index = _used++;
        }
        ref Slot slot = ref _slots[index];
        slot.Data = data;
        slot.Item = item;
        slot.InUse = true;
        tag = TagOf(index);
        return 0;
    }

    private void FreeLocked(ulong tag)
    {
        int index = IndexOf(tag);
        ref Slot slot = ref _slots[index];
        if (!slot.InUse || slot.Generation != GenerationOf(tag)) return;
        slot.InUse = false;
        slot.Item = null;
        slot.Generation = (ushort)((slot.Generation + 1) & ((1 << GenerationBits) - 1));
        slot.NextFree = _freeHead;
        _freeHead = index;
    }

    private ulong TagOf(int index) => ReservedBase + ((ulong)_slots[index].Generation << IndexBits) + (ulong)index;

    private static int IndexOf(ulong tag) => (int)(tag & MaxSlots); // ReservedBase's low 32 bits are zero

    private static ushort GenerationOf(ulong tag) => (ushort)((tag - ReservedBase) >> IndexBits);
}

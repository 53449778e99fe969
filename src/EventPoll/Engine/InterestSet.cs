using System.Diagnostics;

namespace EventPoll;

/// <summary>
/// An instance's interest set: its items keyed by (file, descriptor number) (Linux: the rbtree of epitems).
/// Open addressing with linear probing over a power-of-two array of the items themselves, so a watch costs
/// one array slot here (about 14 bytes on average) instead of a dictionary entry. Changed only under the
/// instance's interest lock; read under it, except by <see cref="FindWithoutLock"/>.
/// </summary>
internal sealed class InterestSet
{
    private EpItem?[] _slots = new EpItem?[8];
    private int _count;

    internal int Count => _count;

    /// <summary>
    /// Slots in the array (memory the set holds, for tests): 8 at first, doubled before an ADD would fill more than 3/4
    /// of them, halved when a removal leaves fewer than 1/8 filled (never below 8).
    /// </summary>
    internal int Capacity => _slots.Length;

    internal EpItem? Find(OpenFile file, int fd)
    {
        int mask = _slots.Length - 1;
        for (int i = Home(file, fd, mask); ; i = (i + 1) & mask)
        {
            EpItem? item = _slots[i];
            if (item is null || (item.File == file && item.Fd == fd)) return item;
        }
    }

    /// <summary>
    /// A lookup without the interest lock (EPOLL_CTL_MOD's). A hit is right, since an item's key never changes and
    /// an item is published fully built; it may already be removed, which the caller checks. A miss can be wrong
    /// while a writer shifts entries or resizes, so the caller confirms it under the lock.
    /// </summary>
    internal EpItem? FindWithoutLock(OpenFile file, int fd)
    {
        EpItem?[] slots = Volatile.Read(ref _slots);
        int mask = slots.Length - 1;
        int i = Home(file, fd, mask);
        for (int probes = 0; probes < slots.Length; probes++, i = (i + 1) & mask)
        {
            EpItem? item = Volatile.Read(ref slots[i]);
            if (item is null) return null;
            if (item.File == file && item.Fd == fd) return item;
        }
        return null;
    }

    internal void Add(EpItem item)
    {
        // Stryker disable once Statement : a removed Debug.Assert
        Debug.Assert(Find(item.File, item.Fd) is null);
        if ((_count + 1) * 4 > _slots.Length * 3) Resize(_slots.Length * 2);
        Place(_slots, item);
        _count++;
    }

    /// <summary>Removes <paramref name="item"/>, shifting later entries of its probe run back (no tombstones).</summary>
    internal void Remove(EpItem item)
    {
        int mask = _slots.Length - 1;
        int hole = Home(item.File, item.Fd, mask);
        while (_slots[hole] != item)
        {
            // Stryker disable once Statement,String : a removed Debug.Assert (or its message)
            Debug.Assert(_slots[hole] is not null, "removing an item that is not in the set");
            hole = (hole + 1) & mask;
        }
        _slots[hole] = null;
        _count--;
        for (int j = (hole + 1) & mask; _slots[j] is EpItem next; j = (j + 1) & mask)
        {
            int home = Home(next.File, next.Fd, mask);
            // Move `next` into the hole unless its home lies cyclically in (hole, j].
            bool stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
            if (stays) continue;
            _slots[hole] = next;
            _slots[j] = null;
            hole = j;
        }
        if (_slots.Length > 8 && _count * 8 < _slots.Length) Resize(_slots.Length / 2);
    }

    /// <summary>The items, in no particular order.</summary>
    internal EpItem[] ToArray()
    {
        var items = new EpItem[_count];
        int n = 0;
        foreach (EpItem? item in _slots)
        {
            if (item is not null) items[n++] = item;
        }
        return items;
    }

    private void Resize(int size)
    {
        var slots = new EpItem?[size];
        foreach (EpItem? item in _slots)
        {
            if (item is not null) Place(slots, item);
        }
        Volatile.Write(ref _slots, slots); // filled before it is published to lock-free readers
    }

    private static void Place(EpItem?[] slots, EpItem item)
    {
        int mask = slots.Length - 1;
        int i = Home(item.File, item.Fd, mask);
        while (slots[i] is not null) i = (i + 1) & mask;
        slots[i] = item;
    }

    /// <summary>The slot where the pair's probe run starts.</summary>
    private static int Home(OpenFile file, int fd, int mask) => Hash(file, fd) & mask;

    /// <summary>Fibonacci hashing of the pair; the file's creation number stands for its address.</summary>
    // Stryker disable once Bitwise,Arithmetic : the hash only spreads keys over the slots (speed): every key is found from its home whatever the spread, and no order of the slots is observable (fdinfo sorts its items)
    private static int Hash(OpenFile file, int fd) => (int)((ulong)(file.Id * 31 + fd) * 0x9E3779B97F4A7C15UL >> 32);
}

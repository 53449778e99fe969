using System.Diagnostics;
using System.Runtime.InteropServices;
using EventPoll.Interop;

namespace EventPoll;

/// <summary>
/// A process's descriptor table (Linux: <c>files_struct</c>): small integers naming open files, numbered
/// POSIX-style (lowest free number first), with dup, dup2-style replacement and close.
/// </summary>
/// <remarks>
/// Locking: <c>_lock</c> serialises changes to the slots (Linux: files->file_lock). Lookups are lock-free:
/// read the slot, pin the file (which fails once its last reference is gone), and re-read the slot to make
/// sure the pinned file is still the one installed there (Linux: __fget_files_rcu). A close releases the
/// file's reference after the lock is dropped, so its teardown never runs under the table lock.
/// <para>Limit: <see cref="Limit"/> plays RLIMIT_NOFILE. A call that makes a descriptor first checks its
/// arguments, then takes a number below the limit (EMFILE when there is none), as Linux's get_unused_fd_flags
/// does; calls that make two (pipe2, socketpair) reserve both numbers before they make anything.</para>
/// <para>Layout (Linux: files_struct puts file_lock and next_fd on a cache line of their own): threads sharing a table
/// look descriptors up far more often than they open or close them, so what lookups read (the slots' array and
/// the limit) sits on a padded line that only a growth or a new limit writes, and what every open and close writes
/// (the lock word, the lowest-free hint, the count, the reserved numbers) sits in the lock's own padded object
/// (<see cref="WriteSide"/>). The slots themselves keep neighbouring numbers on different lines
/// (<see cref="DescriptorSlots"/>).</para>
/// </remarks>
public sealed class DescriptorTable
{
    /// <summary>
    /// The largest limit: the most Linux lets fs.nr_open be on 64-bit (INT_MAX rounded down to a multiple of
    /// 64), and RLIMIT_NOFILE cannot exceed nr_open.
    /// </summary>
    public const int MaxLimit = int.MaxValue & ~63;

    /// <summary>The limit used where the process's own cannot be read: Linux's default fs.nr_open.</summary>
    internal const int FallbackLimit = 1 << 20;

    // Allocated first, right behind this object's padded end, so nothing but padding precedes its lock word.
    private readonly WriteSide _lock = new();
    private ReadMostly _read = new(DescriptorSlots.Empty(DescriptorSlots.ChunkSize).Files);

    private ref WriteSide.Guarded State => ref _lock.State;

    /// <summary>The slots as published now (lock-free).</summary>
    private DescriptorSlots Slots => new(Volatile.Read(ref _read.Slots));

    /// <summary>Creates a table whose limit is this process's soft RLIMIT_NOFILE now (see <see cref="DefaultLimit"/>).</summary>
    public DescriptorTable() : this(DefaultLimit()) { }

    /// <summary>Creates a table that allows descriptors below <paramref name="limit"/> (RLIMIT_NOFILE).</summary>
    public DescriptorTable(int limit) => Limit = limit;

    /// <summary>A table shared by code that does not make its own, like a process's.</summary>
    public static DescriptorTable Default { get; } = new();

    /// <summary>
    /// Highest descriptor number plus one that may be allocated; beyond it allocation fails with EMFILE, and
    /// fcntl(F_DUPFD) or dup2 to a number at or past it with EINVAL or EBADF. Settable like setrlimit: lowering it
    /// below open descriptors keeps them open and usable; only new numbers at or above it are refused.
    /// </summary>
    public int Limit
    {
        get => Volatile.Read(ref _read.Limit);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxLimit);
            Volatile.Write(ref _read.Limit, value);
        }
    }

    /// <summary>
    /// This process's soft RLIMIT_NOFILE (<c>ulimit -n</c>), read now. RLIM_INFINITY or anything above
    /// <see cref="MaxLimit"/> (which Linux itself would not grant) becomes <see cref="MaxLimit"/>; where getrlimit
    /// is unavailable (not Linux) it is <see cref="FallbackLimit"/>, 2^20, Linux's default fs.nr_open.
    /// </summary>
    public static int DefaultLimit()
    {
        if (!OperatingSystem.IsLinux() || LinuxSyscalls.GetRlimit(LinuxSyscalls.RlimitNoFile, out ulong soft, out _) < 0)
            return FallbackLimit;
        return (int)Math.Min(soft, MaxLimit);
    }

    /// <summary>Number of open descriptors.</summary>
    public int Count => Volatile.Read(ref State.Count);

    /// <summary>Installs <paramref name="file"/> at the lowest free number at or above <paramref name="minFd"/>, taking over one reference. Returns the number, or -EMFILE (the reference is then released).</summary>
    internal int Install(OpenFile file, int minFd = 0)
    {
        int fd;
        using (_lock.EnterScope())
        {
            fd = FindFree(minFd);
            if (fd >= 0) Put(fd, file);
        }
        if (fd < 0)
        {
            file.Release();
            return Full();
        }
        return fd;
    }

    /// <summary>
    /// Reserves the two lowest free numbers for a pipe's or socket pair's ends (Linux: two get_unused_fd_flags):
    /// 0, or -EMFILE with nothing reserved. Lookups see reserved numbers as closed until <see cref="FillPair"/>.
    /// </summary>
    internal int ReservePair(Span<int> fds)
    {
        using (_lock.EnterScope())
        {
            int a = FindFree(0);
            if (a < 0) return Full();
            State.Reserved.Add(a);
            int b = FindFree(a + 1);
            if (b < 0)
            {
                State.Reserved.Remove(a);
                return Full();
            }
            State.Reserved.Add(b);
            if (a == State.LowestFree) State.LowestFree = a + 1;
            fds[0] = a;
            fds[1] = b;
            return 0;
        }
    }

    /// <summary>Installs two files at the numbers <see cref="ReservePair"/> gave, taking over a reference to each (Linux: fd_install).</summary>
    internal void FillPair(ReadOnlySpan<int> fds, OpenFile first, OpenFile second)
    {
        using (_lock.EnterScope())
        {
            // Stryker disable once Bitwise : `reserved` feeds only the Debug.Assert below, and `|` runs both Removes as `&` does
            bool reserved = State.Reserved.Remove(fds[0]) & State.Reserved.Remove(fds[1]);
            Debug.Assert(reserved);
            Put(fds[0], first);
            Put(fds[1], second);
        }
    }

    /// <summary>Gives back the numbers <see cref="ReservePair"/> gave when they will not be filled (Linux: put_unused_fd).</summary>
    internal void UnreservePair(ReadOnlySpan<int> fds)
    {
        using (_lock.EnterScope())
        {
            // Stryker disable once Bitwise : `reserved` feeds only the Debug.Assert below, and `|` runs both Removes as `&` does
            bool reserved = State.Reserved.Remove(fds[0]) & State.Reserved.Remove(fds[1]);
            // Stryker disable once Statement,String : a removed Debug.Assert (or its message)
            Debug.Assert(reserved);
            State.LowestFree = Math.Min(State.LowestFree, fds[0]);
        }
    }

    /// <summary>Installs two new files (a pipe's or a socket pair's ends) at the two lowest free numbers: 0, or -EMFILE with both references released.</summary>
    internal int InstallPair(OpenFile first, OpenFile second, Span<int> fds)
    {
        int r = ReservePair(fds);
        if (r < 0)
        {
            first.Release();
            second.Release();
            return r;
        }
        FillPair(fds, first, second);
        return 0;
    }

    /// <summary>Returns the file at <paramref name="fd"/> with a reference taken, or null (EBADF).</summary>
    internal OpenFile? Pin(int fd)
    {
        while (true)
        {
            OpenFile? file = Slots[fd];
            if (file is null) return null;
            if (!file.TryPin()) continue; // released meanwhile: the slot has changed, look again
            if (Slots[fd] == file) return file;
            file.Release();
        }
    }

    /// <summary>EMFILE, saying why.</summary>
    private int Full() => Failure.Of(Errno.EMFILE, $"no descriptor number below the table's limit ({Limit}) is free");

    /// <summary>close(fd): 0, or -EBADF.</summary>
    public int Close(int fd)
    {
        OpenFile? file;
        using (_lock.EnterScope())
        {
            file = Take(fd);
        }
        if (file is null) return Syscalls.NotOpen();
        file.Release();
        return 0;
    }

    /// <summary>dup(fd): the lowest free number, -EBADF or -EMFILE (no free number below the limit, a limit of 0 included).</summary>
    public int Dup(int fd)
    {
        OpenFile? file = Pin(fd);
        return file is null ? Syscalls.NotOpen() : Install(file, 0);
    }

    /// <summary>
    /// fcntl(fd, F_DUPFD, minFd): the lowest free number at or above <paramref name="minFd"/>, -EBADF, -EINVAL
    /// (minFd outside 0..limit-1, so a limit of 0 refuses even minFd 0, where <see cref="Dup(int)"/> gives EMFILE)
    /// or -EMFILE, in Linux's order.
    /// </summary>
    public int Dup(int fd, int minFd)
    {
        OpenFile? file = Pin(fd);
        if (file is null) return Syscalls.NotOpen();
        if (minFd < 0 || minFd >= Limit)
        {
            file.Release();
            return -(int)Errno.EINVAL;
        }
        return Install(file, minFd);
    }

    /// <summary>
    /// dup2(oldFd, newFd): installs oldFd's file at newFd, closing what was there. Returns newFd, -EBADF (oldFd not
    /// open, or newFd outside 0..limit-1), or -EBUSY (newFd reserved by a pipe or socket pair being made). dup2 of
    /// an open descriptor onto itself returns it even above a lowered limit, as Linux's does.
    /// </summary>
    public int Dup2(int oldFd, int newFd)
    {
        OpenFile? file = Pin(oldFd);
        if (file is null) return Syscalls.NotOpen();
        if (oldFd == newFd)
        {
            file.Release();
            return newFd;
        }
        if (newFd < 0 || newFd >= Limit)
        {
            file.Release();
            return -(int)Errno.EBADF;
        }
        OpenFile? replaced;
        using (_lock.EnterScope())
        {
            // One store replaces the file: a lock-free lookup of newFd sees the old file or the new one, never
            // an empty slot (dup2 is atomic; Linux: do_dup2's rcu_assign_pointer).
            if (State.Reserved.Contains(newFd))
            {
                replaced = file; // released below: nothing is installed
                newFd = -(int)Errno.EBUSY;
            }
            else
            {
                replaced = Slots[newFd];
                if (replaced is null) Put(newFd, file); else Slots.Store(newFd, file);
            }
        }
        replaced?.Release();
        return newFd;
    }

    /// <summary>The descriptors currently open, in ascending order (for diagnostics and tests).</summary>
    public IReadOnlyList<int> OpenDescriptors()
    {
        using (_lock.EnterScope())
        {
            var list = new List<int>(State.Count);
            DescriptorSlots slots = Slots;
            for (int fd = 0; fd < slots.Capacity; fd++)
            {
                if (slots[fd] is not null) list.Add(fd);
            }
            return list;
        }
    }

    private int FindFree(int minFd)
    {
        // Stryker disable once Statement,String : a removed Debug.Assert (or its message)
        Debug.Assert(_lock.IsHeldByCurrentThread);
        int limit = Limit;
        DescriptorSlots slots = Slots;
        HashSet<int> reserved = State.Reserved;
        for (int fd = Math.Max(minFd, State.LowestFree); fd < limit; fd++)
        {
            if (slots[fd] is null && (reserved.Count == 0 || !reserved.Contains(fd))) return fd;
        }
        return -1;
    }

    private void Put(int fd, OpenFile file)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        DescriptorSlots slots = Slots;
        if (fd >= slots.Capacity)
        {
            // Doubling is capped at the limit, but never below fd + 1: the limit may have been lowered since fd was found.
            slots = slots.Grown((int)Math.Max(Math.Min(2L * slots.Capacity, Limit), fd + 1L));
            Volatile.Write(ref _read.Slots, slots.Files);
        }
        Debug.Assert(slots[fd] is null);
        slots.Store(fd, file);
        Volatile.Write(ref State.Count, State.Count + 1);
        if (fd == State.LowestFree) State.LowestFree = fd + 1;
    }

    private OpenFile? Take(int fd)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        DescriptorSlots slots = Slots;
        OpenFile? file = slots[fd];
        if (file is null) return null;
        slots.Store(fd, null);
        Volatile.Write(ref State.Count, State.Count - 1);
        if (fd < State.LowestFree) State.LowestFree = fd;
        return file;
    }

    /// <summary>
    /// What lookups read, on a line of its own: a line of padding on each side within this object, so neither this
    /// object's other field nor its neighbours on the heap share it.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 2 * CacheLine.Size + 16)]
    private struct ReadMostly(OpenFile?[] slots)
    {
        [FieldOffset(CacheLine.Size)] public OpenFile?[] Slots = slots;     // DescriptorSlots' array; replaced (grown) under _lock; Volatile
        [FieldOffset(CacheLine.Size + 8)] public int Limit;                 // Volatile: read by allocations, written by the setter
    }

    /// <summary>
    /// The table's lock (Linux: files->file_lock) carrying the state only its holders write, on the lock word's
    /// line; padding behind them keeps the next object on the heap off that line. In front of the lock word is this
    /// object's header and, when the table allocates it, the table's padded end.
    /// </summary>
    private sealed class WriteSide : ShortLock
    {
        public Guarded State = new([]);

        [StructLayout(LayoutKind.Explicit, Size = 16 + CacheLine.Size)]
        public struct Guarded(HashSet<int> reserved)
        {
            [FieldOffset(0)] public readonly HashSet<int> Reserved = reserved; // under the lock: numbers taken by ReservePair, not yet filled
            [FieldOffset(8)] public int LowestFree;                             // under the lock: no free or reserved slot below it
            [FieldOffset(12)] public int Count;                                 // written under the lock; Volatile, read lock-free by Count
        }
    }
}

using System.Diagnostics;

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
/// </remarks>
public sealed class DescriptorTable
{
    private readonly ShortLock _lock = new();
    private OpenFile?[] _slots = new OpenFile?[64]; // replaced (grown) under _lock; slots written under _lock
    private int _lowestFree;                          // under _lock: no free slot below it
    private int _count;                               // under _lock

    /// <summary>Creates a table that allows up to <paramref name="limit"/> descriptors (RLIMIT_NOFILE).</summary>
    public DescriptorTable(int limit = 1 << 20)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        Limit = limit;
    }

    /// <summary>A table shared by code that does not make its own, like a process's.</summary>
    public static DescriptorTable Default { get; } = new();

    /// <summary>Highest descriptor number plus one that may be allocated; beyond it allocation fails with EMFILE.</summary>
    public int Limit { get; }

    /// <summary>Number of open descriptors.</summary>
    public int Count => Volatile.Read(ref _count);

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
            return -(int)Errno.EMFILE;
        }
        return fd;
    }

    /// <summary>Installs two new files (a pipe's or a socket pair's ends) at the two lowest free numbers: 0, or -EMFILE with both references released.</summary>
    internal int InstallPair(OpenFile first, OpenFile second, Span<int> fds)
    {
        int a = Install(first);
        if (a < 0)
        {
            second.Release();
            return a;
        }
        int b = Install(second);
        if (b < 0)
        {
            Close(a);
            return b;
        }
        fds[0] = a;
        fds[1] = b;
        return 0;
    }

    /// <summary>Returns the file at <paramref name="fd"/> with a reference taken, or null (EBADF).</summary>
    internal OpenFile? Pin(int fd)
    {
        while (true)
        {
            OpenFile?[] slots = Volatile.Read(ref _slots);
            if ((uint)fd >= (uint)slots.Length) return null;
            OpenFile? file = Volatile.Read(ref slots[fd]);
            if (file is null) return null;
            if (!file.TryPin()) continue; // released meanwhile: the slot has changed, look again
            if (Volatile.Read(ref Volatile.Read(ref _slots)[fd]) == file) return file;
            file.Release();
        }
    }

    /// <summary>close(fd): 0, or -EBADF.</summary>
    public int Close(int fd)
    {
        OpenFile? file;
        using (_lock.EnterScope())
        {
            file = Take(fd);
        }
        if (file is null) return -(int)Errno.EBADF;
        file.Release();
        return 0;
    }

    /// <summary>dup(fd) or fcntl(F_DUPFD, minFd): the new number, -EBADF, -EINVAL or -EMFILE.</summary>
    public int Dup(int fd, int minFd = 0)
    {
        if (minFd < 0 || minFd >= Limit) return -(int)Errno.EINVAL;
        OpenFile? file = Pin(fd);
        if (file is null) return -(int)Errno.EBADF;
        int newFd = Install(file, minFd);
        return newFd >= 0 ? newFd : -(int)Errno.EMFILE;
    }

    /// <summary>dup2(oldFd, newFd): installs oldFd's file at newFd, closing what was there. Returns newFd or -errno.</summary>
    public int Dup2(int oldFd, int newFd)
    {
        OpenFile? file = Pin(oldFd);
        if (file is null) return -(int)Errno.EBADF;
        if (newFd < 0 || newFd >= Limit)
        {
            file.Release();
            return -(int)Errno.EBADF;
        }
        if (oldFd == newFd)
        {
            file.Release();
            return newFd;
        }
        OpenFile? replaced;
        using (_lock.EnterScope())
        {
            // One store replaces the file: a lock-free lookup of newFd sees the old file or the new one, never
            // an empty slot (dup2 is atomic; Linux: do_dup2's rcu_assign_pointer).
            replaced = (uint)newFd < (uint)_slots.Length ? _slots[newFd] : null;
            if (replaced is null) Put(newFd, file); else Volatile.Write(ref _slots[newFd], file);
        }
        replaced?.Release();
        return newFd;
    }

    /// <summary>The descriptors currently open, in ascending order (for diagnostics and tests).</summary>
    public IReadOnlyList<int> OpenDescriptors()
    {
        using (_lock.EnterScope())
        {
            var list = new List<int>(_count);
            for (int fd = 0; fd < _slots.Length; fd++)
            {
                if (_slots[fd] is not null) list.Add(fd);
            }
            return list;
        }
    }

    private int FindFree(int minFd)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        for (int fd = Math.Max(minFd, _lowestFree); fd < Limit; fd++)
        {
            if (fd >= _slots.Length || _slots[fd] is null) return fd;
        }
        return -1;
    }

    private void Put(int fd, OpenFile file)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        if (fd >= _slots.Length)
        {
            var grown = new OpenFile?[Math.Min(Math.Max(_slots.Length * 2, fd + 1), Limit)];
            Array.Copy(_slots, grown, _slots.Length);
            Volatile.Write(ref _slots, grown);
        }
        Debug.Assert(_slots[fd] is null);
        Volatile.Write(ref _slots[fd], file);
        _count++;
        if (fd == _lowestFree) _lowestFree = fd + 1;
    }

    private OpenFile? Take(int fd)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        if ((uint)fd >= (uint)_slots.Length) return null;
        OpenFile? file = _slots[fd];
        if (file is null) return null;
        Volatile.Write(ref _slots[fd], null);
        _count--;
        if (fd < _lowestFree) _lowestFree = fd;
        return file;
    }
}

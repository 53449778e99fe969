using System.Buffers.Binary;

namespace EventPoll;

/// <summary>An eventfd: a 64-bit counter that write adds to and read drains (Linux: fs/eventfd.c).</summary>
internal sealed class EventFdFile : OpenFile
{
    private readonly WaitQueue _queue = new();
    private readonly bool _semaphore;
    private ulong _count; // changed only by compare-and-swap (a full fence before each wakeup); read plainly by Poll

    internal EventFdFile(uint initial, bool semaphore)
    {
        _count = initial;
        _semaphore = semaphore;
    }

    /// <summary>The current counter (fdinfo's <c>eventfd-count</c>).</summary>
    internal ulong Count
    {
        get => Volatile.Read(ref _count);
    }

    /// <summary>The wait queue, for tests.</summary>
    internal WaitQueue Queue => _queue;

    internal override ulong Inode => InodeNumbers.AnonInode;

    internal override uint DeviceId => InodeNumbers.AnonDevice;

    /// <inheritdoc />
    // Stryker disable once Boolean : false only makes ctl defer releases it never has (a performance flag)
    internal override bool PollReleasesNothing => true;

    // Linux: eventfd_poll. No RDNORM/WRNORM; ERR only at ULLONG_MAX, which user writes cannot reach
    // (only the kernel-internal eventfd_signal can), so it is kept for fidelity of the mask formula.
    // Like eventfd_poll, it reads the count without a lock: registering ends with a full fence
    // (WaitQueue.Add), and a writer's compare-and-swap of the count is a full fence before it looks at the
    // queue, so either the read sees the new count or the writer's wakeup sees the new entry. A harvest's poll
    // (no table) is ordered by the epoll item's own fenced flag reset instead (see ReadyList).
    // Unlike Linux, read and write take no lock: the counter is one compare-and-swap, and the wakeup of a sole
    // epoll item runs lock-free (WaitQueue.WakeSoleWithoutLock). In user space a thread can be preempted while
    // it holds a lock (a kernel spinlock holder cannot), and eponeshotmt's writers and waiters queued behind
    // such preempted writers for a third of their time.
    public override EpollEvents Poll(PollTable? table)
    {
        table?.Register(_queue);
        ulong count = Volatile.Read(ref _count);
        EpollEvents mask = EpollEvents.None;
        if (count > 0) mask |= EpollEvents.In;
        // Stryker disable once Assignment : unreachable: the count starts below 2^32 and Write stops it at 2^64-2
        if (count == ulong.MaxValue) mask |= EpollEvents.Err;
        if (ulong.MaxValue - 1 > count) mask |= EpollEvents.Out;
        return mask;
    }

    // Linux: eventfd_read. Every successful read wakes with EPOLLOUT, even if nothing was blocked.
    internal override long Read(Span<byte> buffer)
    {
        if (buffer.Length < sizeof(ulong)) return ShortBuffer("an eventfd read", buffer.Length);
        ulong count, value;
        do
        {
            count = Volatile.Read(ref _count);
            if (count == 0) return -(long)Errno.EAGAIN;
            value = _semaphore ? 1 : count;
        }
        while (Interlocked.CompareExchange(ref _count, count - value, count) != count);
        _queue.WakeSoleWithoutLock(EpollEvents.Out);
        BinaryPrimitives.WriteUInt64LittleEndian(buffer, value);
        return sizeof(ulong);
    }

    // Linux: eventfd_write. A write of 0 succeeds and still wakes with EPOLLIN.
    internal override long Write(ReadOnlySpan<byte> data)
    {
        if (data.Length < sizeof(ulong)) return ShortBuffer("an eventfd write", data.Length);
        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(data);
        if (value == ulong.MaxValue) return Failure.Of(Errno.EINVAL, "an eventfd cannot be signalled with 0xffffffffffffffff (2^64-1)");
        ulong count;
        do
        {
            count = Volatile.Read(ref _count);
            if (ulong.MaxValue - count <= value) return -(long)Errno.EAGAIN;
        }
        while (Interlocked.CompareExchange(ref _count, count + value, count) != count);
        _queue.WakeSoleWithoutLock(EpollEvents.In);
        return sizeof(ulong);
    }

    /// <summary>EINVAL for a buffer shorter than the 8-byte counter, saying so (shared with timerfd reads).</summary>
    internal static int ShortBuffer(string what, int length)
        => Failure.Of(Errno.EINVAL, $"{what} needs a buffer of at least 8 bytes, got {length}");

    // Linux: eventfd_release wakes whoever is still queued with EPOLLHUP.
    protected override void OnRelease() => _queue.Wake(EpollEvents.Hup);
}

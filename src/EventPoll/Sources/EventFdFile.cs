using System.Buffers.Binary;

namespace EventPoll;

/// <summary>An eventfd: a 64-bit counter that write adds to and read drains (Linux: fs/eventfd.c).</summary>
internal sealed class EventFdFile : OpenFile
{
    private readonly WaitQueue _queue = new();
    private readonly bool _semaphore;
    private ulong _count; // written under _queue.SyncRoot; read without it by Poll (an aligned 64-bit read is atomic)

    internal EventFdFile(ulong initial, bool semaphore)
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

    public override ulong Inode => InodeNumbers.AnonInode;

    public override uint DeviceId => InodeNumbers.AnonDevice;

    /// <inheritdoc />
    internal override bool PollReleasesNothing => true;

    // Linux: eventfd_poll. No RDNORM/WRNORM; ERR only at ULLONG_MAX, which user writes cannot reach
    // (only the kernel-internal eventfd_signal can), so it is kept for fidelity of the mask formula.
    // Like eventfd_poll, it reads the count without the lock: registering ends with a full fence
    // (WaitQueue.Add), and a writer updates the count before it walks the queue under the lock, so either the
    // read sees the new count or the writer's wakeup sees the new entry. A harvest's poll (no table) is
    // ordered by the epoll item's own fenced flag reset instead (see ReadyList).
    public override EpollEvents Poll(PollTable? table)
    {
        table?.Register(_queue);
        ulong count = Volatile.Read(ref _count);
        EpollEvents mask = EpollEvents.None;
        if (count > 0) mask |= EpollEvents.In;
        if (count == ulong.MaxValue) mask |= EpollEvents.Err;
        if (ulong.MaxValue - 1 > count) mask |= EpollEvents.Out;
        return mask;
    }

    // Linux: eventfd_read. Every successful read wakes with EPOLLOUT, even if nothing was blocked.
    internal override long Read(Span<byte> buffer)
    {
        if (buffer.Length < sizeof(ulong)) return -(long)Errno.EINVAL;
        ulong value;
        using (_queue.SyncRoot.EnterScope())
        {
            if (_count == 0) return -(long)Errno.EAGAIN;
            value = _semaphore ? 1 : _count;
            Volatile.Write(ref _count, _count - value);
            _queue.WakeLocked(EpollEvents.Out);
        }
        BinaryPrimitives.WriteUInt64LittleEndian(buffer, value);
        return sizeof(ulong);
    }

    // Linux: eventfd_write. A write of 0 succeeds and still wakes with EPOLLIN.
    internal override long Write(ReadOnlySpan<byte> data)
    {
        if (data.Length < sizeof(ulong)) return -(long)Errno.EINVAL;
        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(data);
        if (value == ulong.MaxValue) return -(long)Errno.EINVAL;
        using (_queue.SyncRoot.EnterScope())
        {
            if (ulong.MaxValue - _count <= value) return -(long)Errno.EAGAIN;
            Volatile.Write(ref _count, _count + value);
            _queue.WakeLocked(EpollEvents.In);
        }
        return sizeof(ulong);
    }

    // Linux: eventfd_release wakes whoever is still queued with EPOLLHUP.
    protected override void OnRelease() => _queue.Wake(EpollEvents.Hup);
}

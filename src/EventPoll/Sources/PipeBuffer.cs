namespace EventPoll;

/// <summary>
/// The shared state of an anonymous pipe (Linux: <c>pipe_inode_info</c>): a ring of 16 page-sized slots
/// (64 KiB), the reader and writer counts, and one wait queue per direction. Both queues share one lock,
/// which also guards the ring.
/// </summary>
internal sealed class PipeBuffer
{
    internal const int PageSize = 4096;
    internal const int SlotCount = 16;

    private readonly Slot[] _slots = new Slot[SlotCount];
    private int _head; // next slot to fill; head and tail run free and are masked on use (as in the kernel)
    private int _tail; // next slot to drain
    private int _readers = 1;
    private int _writers = 1;
    private bool _pollUsage; // Linux: pipe->poll_usage, set by the first poll, never cleared; read under the lock

    internal PipeBuffer()
    {
        var syncRoot = new ShortLock();
        ReadQueue = new WaitQueue(syncRoot);
        WriteQueue = new WaitQueue(syncRoot);
        for (int i = 0; i < SlotCount; i++) _slots[i] = new Slot();
    }

    /// <summary>Linux: <c>rd_wait</c>, where read-end pollers wait.</summary>
    internal WaitQueue ReadQueue { get; }

    /// <summary>Linux: <c>wr_wait</c>, where write-end pollers wait.</summary>
    internal WaitQueue WriteQueue { get; }

    internal ulong Inode { get; } = InodeNumbers.Next();

    private ShortLock SyncRoot => ReadQueue.SyncRoot;

    private bool IsEmpty => _head == _tail;

    private bool IsFull => _head - _tail >= SlotCount;

    /// <summary>Bytes buffered (Linux: FIONREAD).</summary>
    internal int Length
    {
        get
        {
            using (SyncRoot.EnterScope())
            {
                int total = 0;
                for (int i = _tail; i != _head; i++) total += SlotAt(i).Length;
                return total;
            }
        }
    }

    /// <summary>Creates a pipe: its read end and its write end, each holding one reference.</summary>
    internal static (PipeReadEnd Read, PipeWriteEnd Write) Create()
    {
        var pipe = new PipeBuffer();
        return (new PipeReadEnd(pipe), new PipeWriteEnd(pipe));
    }

    private Slot SlotAt(int index) => _slots[index & (SlotCount - 1)];

    // Linux: pipe_poll, read side. Polling arms poll_usage, so every later write wakes readers.
    internal EpollEvents PollRead(PollTable? table)
    {
        Volatile.Write(ref _pollUsage, true);
        table?.Register(ReadQueue);
        using (SyncRoot.EnterScope())
        {
            EpollEvents mask = EpollEvents.None;
            if (!IsEmpty) mask |= EpollEvents.In | EpollEvents.RdNorm;
            if (_writers == 0) mask |= EpollEvents.Hup;
            return mask;
        }
    }

    // Linux: pipe_poll, write side.
    internal EpollEvents PollWrite(PollTable? table)
    {
        // Stryker disable once Statement,Boolean : the flag only widens the read queue's wakeups, and every waiter there came through PollRead, which sets it
        Volatile.Write(ref _pollUsage, true);
        table?.Register(WriteQueue);
        using (SyncRoot.EnterScope())
        {
            EpollEvents mask = EpollEvents.None;
            if (!IsFull) mask |= EpollEvents.Out | EpollEvents.WrNorm;
            if (_readers == 0) mask |= EpollEvents.Err;
            return mask;
        }
    }

    // Linux: pipe_read (non-blocking). Writers are woken only when a slot is freed while the ring was full.
    internal long Read(Span<byte> buffer)
    {
        if (buffer.Length == 0) return 0;
        using (SyncRoot.EnterScope())
        {
            long copied = 0;
            bool wakeWriter = false;
            while (!IsEmpty && buffer.Length > 0)
            {
                Slot slot = SlotAt(_tail);
                int chunk = Math.Min(slot.Length, buffer.Length);
                slot.Page.AsSpan(slot.Offset, chunk).CopyTo(buffer);
                buffer = buffer[chunk..];
                copied += chunk;
                slot.Offset += chunk;
                slot.Length -= chunk;
                if (slot.Length == 0)
                {
                    // Stryker disable once Assignment : IsFull holds only for the first page emptied (the _tail++ after it makes room), so ^= sets the flag once as |= does
                    wakeWriter |= IsFull;
                    _tail++;
                }
            }
            long result = copied > 0 || _writers == 0 ? copied : -(long)Errno.EAGAIN;
            if (wakeWriter) WriteQueue.WakeLocked(EpollEvents.Out | EpollEvents.WrNorm);
            return result;
        }
    }

    // Linux: pipe_write (non-blocking). The size modulo a page is first merged into the last slot when it
    // fits; the rest goes into fresh slots a page at a time, so a write of at most PIPE_BUF bytes is
    // never split. Readers are woken when the pipe was empty, or on every write (even one that fails with
    // EAGAIN) once the pipe has been polled.
    internal long Write(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0) return 0;
        using (SyncRoot.EnterScope())
        {
            if (_readers == 0) return Failure.Of(Errno.EPIPE, "the pipe has no reader left");
            bool wasEmpty = IsEmpty;
            long written = 0;
            int chars = data.Length & (PageSize - 1);
            if (chars != 0 && !wasEmpty)
            {
                Slot last = SlotAt(_head - 1);
                int end = last.Offset + last.Length;
                if (end + chars <= PageSize)
                {
                    data[..chars].CopyTo(last.Page.AsSpan(end));
                    last.Length += chars;
                    data = data[chars..];
                    written = chars;
                }
            }
            while (data.Length > 0 && !IsFull)
            {
                Slot slot = SlotAt(_head++);
                int chunk = Math.Min(PageSize, data.Length);
                if (slot.Page.Length == 0) slot.Page = new byte[PageSize];
                data[..chunk].CopyTo(slot.Page);
                slot.Offset = 0;
                slot.Length = chunk;
                data = data[chunk..];
                written += chunk;
            }
            long result = written > 0 ? written : -(long)Errno.EAGAIN;
            if (wasEmpty || _pollUsage) ReadQueue.WakeLocked(EpollEvents.In | EpollEvents.RdNorm);
            return result;
        }
    }

    // Linux: pipe_release. When one side goes away while the other remains, both queues are woken with
    // no key, so pollers re-poll and see HUP (readers) or ERR (writers).
    internal void ReleaseEnd(bool reader)
    {
        using (SyncRoot.EnterScope())
        {
            if (reader) _readers--; else _writers--;
            if ((_readers == 0) != (_writers == 0))
            {
                ReadQueue.WakeLocked(EpollEvents.None);
                WriteQueue.WakeLocked(EpollEvents.None);
            }
        }
    }

    /// <summary>One ring slot (Linux: <c>pipe_buffer</c>); its page is kept for reuse once allocated.</summary>
    private sealed class Slot
    {
        internal byte[] Page = [];
        internal int Offset;
        internal int Length;
    }
}

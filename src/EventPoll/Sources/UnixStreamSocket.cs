namespace EventPoll;

/// <summary>
/// One end of a connected AF_UNIX SOCK_STREAM socketpair (Linux: net/unix/af_unix.c). Both ends share one
/// lock; each has its own wait queue, receive queue and shutdown bits.
/// </summary>
/// <remarks>
/// Send-buffer accounting follows the kernel's skb model closely enough to match it byte for byte on the
/// reference machine: each write is cut into segments (skbs) of at most <see cref="MaxSegment"/> bytes,
/// each charged to the sender at <see cref="TrueSize"/> until the receiver has consumed it whole. A write
/// may start while the charge is below <see cref="SendBufferSize"/>; poll reports writable while the
/// charge plus one is at most a quarter of it (Linux: unix_writable).
/// </remarks>
internal sealed class UnixStreamSocket : OpenFile
{
    /// <summary>sk_sndbuf: the default net.core.wmem_default.</summary>
    internal const int SendBufferSize = 212992;

    private const int RcvShutdown = 1;  // Linux: RCV_SHUTDOWN
    private const int SendShutdown = 2; // Linux: SEND_SHUTDOWN
    private const int ShutdownMask = 3;
    private const int PageSize = 4096;
    private const int SkbMaxHead = 3776;     // SKB_MAX_HEAD(0) on x86-64
    private const int SkbOverhead = 256;     // struct sk_buff as charged in truesize
    private const int SkbSharedInfo = 320;   // struct skb_shared_info, allocated after the head

    /// <summary>The largest segment a write creates (Linux: unix_stream_sendmsg's size clamp).</summary>
    internal const int MaxSegment = SendBufferSize / 2 - 64 < SkbMaxHead + 32768
        ? SendBufferSize / 2 - 64 : SkbMaxHead + 32768;

    private const EpollEvents ReadableKey = EpollEvents.In | EpollEvents.Pri | EpollEvents.RdNorm | EpollEvents.RdBand;
    private const EpollEvents WritableKey = EpollEvents.Out | EpollEvents.WrNorm | EpollEvents.WrBand;

    private readonly ShortLock _lock;
    private readonly WaitQueue _queue;
    private readonly Queue<Segment> _receive = new(); // under _lock
    private UnixStreamSocket? _peer;  // under _lock; kept after the peer closes, cleared by our own close
    private int _shutdown;            // under _lock: RcvShutdown | SendShutdown
    private Errno _error;             // under _lock: sk_err, reported once
    private bool _closed;             // under _lock: TCP_CLOSE after our release
    private long _sendCharge;         // under _lock: truesize of our segments not yet consumed (sk_wmem_alloc - 1)

    private UnixStreamSocket(ShortLock syncRoot)
    {
        _lock = syncRoot;
        _queue = new WaitQueue(syncRoot);
    }

    /// <summary>The socket's wait queue (Linux: sk->sk_wq), for tests.</summary>
    internal WaitQueue Queue => _queue;

    internal override ulong Inode { get; } = InodeNumbers.Next();

    internal override uint DeviceId => InodeNumbers.SockFsDevice;

    /// <summary>Bytes charged to this socket for data still queued at the peer (Linux: SIOCOUTQ).</summary>
    internal long SendCharge
    {
        get { using (_lock.EnterScope()) return _sendCharge; }
    }

    /// <summary>Creates a connected pair (Linux: socketpair(AF_UNIX, SOCK_STREAM)).</summary>
    internal static (UnixStreamSocket A, UnixStreamSocket B) CreatePair()
    {
        var syncRoot = new ShortLock();
        var a = new UnixStreamSocket(syncRoot);
        var b = new UnixStreamSocket(syncRoot);
        a._peer = b;
        b._peer = a;
        return (a, b);
    }

    /// <summary>The memory charged for a segment of <paramref name="size"/> bytes (Linux: skb->truesize).</summary>
    internal static int TrueSize(int size)
    {
        // A linear head of up to SKB_MAX_HEAD(0) bytes from kmalloc (power-of-two buckets of 512 and up),
        // and the rest in whole pages (Linux: unix_stream_sendmsg + alloc_skb_with_frags).
        int dataLen = Math.Min(size, PageAlign(Math.Max(0, size - SkbMaxHead)));
        int head = size - dataLen;
        int headAlloc = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(512, ((head + 63) & ~63) + SkbSharedInfo));
        return SkbOverhead + headAlloc + PageAlign(dataLen);
    }

    private static int PageAlign(int n) => (n + PageSize - 1) & ~(PageSize - 1);

    private bool Writable => (_sendCharge + 1) * 4 <= SendBufferSize;

    /// <inheritdoc />
    // Stryker disable once Boolean : false only makes ctl defer releases this poll never makes (a performance flag)
    internal override bool PollReleasesNothing => true;

    // Linux: unix_poll (the SOCK_STREAM branch).
    public override EpollEvents Poll(PollTable? table)
    {
        table?.Register(_queue);
        using (_lock.EnterScope())
        {
            EpollEvents mask = EpollEvents.None;
            if (_error != Errno.None) mask |= EpollEvents.Err;
            if (_shutdown == ShutdownMask) mask |= EpollEvents.Hup;
            if ((_shutdown & RcvShutdown) != 0) mask |= EpollEvents.RdHup | EpollEvents.In | EpollEvents.RdNorm;
            if (_receive.Count > 0) mask |= EpollEvents.In | EpollEvents.RdNorm;
            // Stryker disable once Assignment : unreachable: a released socket is never polled (its items went with its last reference)
            if (_closed) mask |= EpollEvents.Hup;
            if (Writable) mask |= WritableKey;
            return mask;
        }
    }

    // Linux: unix_stream_sendmsg (non-blocking). Each segment queued wakes the peer (sock_def_readable).
    internal override long Write(ReadOnlySpan<byte> data)
    {
        using (_lock.EnterScope())
        {
            // Stryker disable once String : unreachable: _peer is null only after this socket's own release, and no call reaches a released file
            if (_peer is null) return Failure.Of(Errno.ENOTCONN, "the socket is not connected");
            if ((_shutdown & SendShutdown) != 0) return Failure.Of(Errno.EPIPE, "the socket is shut down for writing"); // even for an empty write
            UnixStreamSocket peer = _peer;
            long sent = 0;
            while (data.Length > 0)
            {
                // Linux: sock_alloc_send_pskb, then the peer checks under its state lock.
                Errno error = TakeError();
                if (error == Errno.None && _sendCharge >= SendBufferSize) error = Errno.EAGAIN;
                if (error == Errno.None && (peer._closed || (peer._shutdown & RcvShutdown) != 0)) error = Errno.EPIPE;
                if (error != Errno.None) return sent > 0 ? sent : -(long)error;

                int size = Math.Min(data.Length, MaxSegment);
                var segment = new Segment(data[..size].ToArray(), TrueSize(size), this);
                _sendCharge += segment.TrueSize;
                peer._receive.Enqueue(segment);
                peer._queue.WakeLocked(ReadableKey);
                data = data[size..];
                sent += size;
            }
            return sent;
        }
    }

    // Linux: unix_stream_read_generic (non-blocking). Data first; then a pending error, once; then EOF
    // after RCV_SHUTDOWN. Each segment consumed whole frees its charge at the sender (sock_wfree).
    internal override long Read(Span<byte> buffer)
    {
        if (buffer.Length == 0) return 0; // Linux: sock_read_iter
        using (_lock.EnterScope())
        {
            // Stryker disable once String : unreachable: no call reaches a released file
            if (_closed) return Failure.Of(Errno.EINVAL, "the socket is closed");
            long copied = 0;
            while (buffer.Length > 0 && _receive.TryPeek(out Segment? segment))
            {
                int chunk = Math.Min(segment.Remaining, buffer.Length);
                segment.Data.AsSpan(segment.Consumed, chunk).CopyTo(buffer);
                buffer = buffer[chunk..];
                segment.Consumed += chunk;
                copied += chunk;
                if (segment.Remaining > 0) break;
                _receive.Dequeue();
                segment.Sender.FreeSegment(segment);
            }
            if (copied > 0) return copied;
            Errno error = TakeError();
            if (error != Errno.None) return -(long)error;
            if ((_shutdown & RcvShutdown) != 0) return 0;
            return -(long)Errno.EAGAIN;
        }
    }

    // Linux: unix_shutdown. Both ends get a state-change wakeup with no key, even if nothing changed.
    internal override int Shutdown(int how)
    {
        if (how is < 0 or > 2) return Failure.Of(Errno.EINVAL, $"how is {how}, not SHUT_RD (0), SHUT_WR (1) or SHUT_RDWR (2)");
        int mode = how + 1; // SHUT_RD -> RCV_SHUTDOWN, SHUT_WR -> SEND_SHUTDOWN, SHUT_RDWR -> both
        using (_lock.EnterScope())
        {
            _shutdown |= mode;
            StateChange();
            if (_peer is { } peer)
            {
                int peerMode = ((mode & RcvShutdown) != 0 ? SendShutdown : 0) | ((mode & SendShutdown) != 0 ? RcvShutdown : 0);
                peer._shutdown |= peerMode;
                peer.StateChange();
            }
        }
        return 0;
    }

    // Linux: unix_release_sock. The peer can no longer send or receive, learns ECONNRESET if we leave
    // unread data behind, and gets its send charge back as our receive queue is purged.
    protected override void OnRelease()
    {
        using (_lock.EnterScope())
        {
            // Stryker disable once Boolean : after the release nothing watches this socket's queue, so StateChange and FreeSegment wake no one either way
            _closed = true;
            _shutdown = ShutdownMask;
            UnixStreamSocket? peer = _peer;
            _peer = null;
            if (peer is not null)
            {
                peer._shutdown = ShutdownMask;
                if (_receive.Count > 0) peer._error = Errno.ECONNRESET;
                peer.StateChange();
            }
            while (_receive.TryDequeue(out Segment? segment)) segment.Sender.FreeSegment(segment);
        }
    }

    // Linux: sock_error: the pending error is reported once.
    private Errno TakeError()
    {
        Errno error = _error;
        _error = Errno.None;
        return error;
    }

    // Linux: sock_def_wakeup; an orphaned (released) socket has no queue to wake.
    private void StateChange()
    {
        if (!_closed) _queue.WakeLocked(EpollEvents.None);
    }

    // Linux: sock_wfree + unix_write_space: wake writers only if the socket is writable again.
    private void FreeSegment(Segment segment)
    {
        _sendCharge -= segment.TrueSize;
        // Stryker disable once Logical : a wakeup without writability is not reported: the harvest re-polls; on a released socket the queue is empty
        if (!_closed && Writable) _queue.WakeLocked(WritableKey);
    }

    /// <summary>One queued skb: its bytes, how many the reader consumed, and whom it is charged to.</summary>
    private sealed class Segment(byte[] data, int trueSize, UnixStreamSocket sender)
    {
        internal byte[] Data { get; } = data;
        internal int TrueSize { get; } = trueSize;
        internal UnixStreamSocket Sender { get; } = sender;
        internal int Consumed { get; set; }
        internal int Remaining => Data.Length - Consumed;
    }
}

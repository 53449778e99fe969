namespace EventPoll.Reactor;

/// <summary>
/// One accepted TCP connection of an <see cref="EventLoop"/>. Objects are pooled by the loop and reused for later
/// connections, so keep a <see cref="ConnectionId"/> (not the object) to refer to a connection from elsewhere, and call
/// the members only on the loop's thread (from the handler, or from work <see cref="EventLoop.Post"/>ed to the loop).
/// </summary>
public sealed class Connection
{
    internal Connection(EventLoop loop, int slot)
    {
        Loop = loop;
        Slot = slot;
    }

    /// <summary>The loop that owns the connection.</summary>
    public EventLoop Loop { get; }

    /// <summary>This connection's identity: unlike the object, it never names a later connection.</summary>
    public ConnectionId Id => new(Loop.Index, Slot, Generation);

    /// <summary>Whether the descriptor is still open (false once closed, until the object is reused).</summary>
    public bool IsOpen => Fd >= 0;

    /// <summary>Free for the handler's per-connection state (parser state, say); 0 when the connection opens.</summary>
    public long State { get; set; }

    /// <summary>Free for the handler's per-connection object (a parser, say; pool them per loop to allocate nothing); null when the connection opens.</summary>
    public object? Context { get; set; }

    /// <summary>
    /// A span of at least <paramref name="sizeHint"/> bytes (at most 64 KiB) to write output into without a copy;
    /// commit with <see cref="Advance"/> before any other write. Bytes written past what was committed are not sent.
    /// </summary>
    public Span<byte> GetSpan(int sizeHint) => Loop.GetSpan(this, sizeHint);

    /// <summary>Commits <paramref name="count"/> bytes of the span <see cref="GetSpan"/> gave, to be sent in order.</summary>
    public void Advance(int count) => Loop.Advance(this, count);

    /// <summary>Queues <paramref name="data"/> to be sent, in order after what was written before. Ignored once closed.</summary>
    public void Write(ReadOnlySpan<byte> data) => Loop.Append(this, data);

    /// <summary>Closes the connection once what was written has been sent (at once if nothing is owed).</summary>
    public void Close() => Loop.CloseAfterFlush(this);

    /// <summary>Closes the connection at once; unsent output is dropped.</summary>
    public void Abort() => Loop.CloseNow(this, CloseReason.Aborted);

    // Everything below belongs to the owning loop's thread: nothing else touches a connection.

    /// <summary>The slot in the loop's <see cref="ConnectionTable"/>.</summary>
    internal readonly int Slot;

    /// <summary>Bumped each time the slot is reused; part of the epoll data word, so an old event cannot reach a new connection.</summary>
    internal uint Generation;

    /// <summary>The OS descriptor, -1 while closed.</summary>
    // Stryker disable once Unary : every connection is made by ConnectionTable.Take, which opens it on its descriptor before anything reads Fd
    internal int Fd = -1;

    /// <summary>Whether the descriptor is registered in the loop's instance (a deferred-accept connection may never be).</summary>
    internal bool Registered;

    /// <summary>Whether EPOLLOUT is in its registration (added the first time a send would block, then kept).</summary>
    internal bool WatchesOutput;

    /// <summary>Received bytes not consumed yet (a partial request), in a buffer of the loop's input pool; null when none.</summary>
    internal byte[]? Input;
    internal int InputLength;

    /// <summary>Output the socket did not take yet: bytes [PendingStart, PendingEnd) of Pending; null when none.</summary>
    internal byte[]? Pending;
    internal int PendingStart;
    internal int PendingEnd;

    /// <summary>Input arrived (or may have) while output was blocked; read it once the output drains.</summary>
    internal bool ReadDeferred;

    /// <summary>Close once the pending output is sent; the reason to report then.</summary>
    internal bool CloseWhenFlushed;
    internal CloseReason CloseReasonWhenFlushed;

    /// <summary>The handler closed with received bytes left unread: linger before closing (see EventLoop.Close.cs).</summary>
    internal bool LingerOnClose;

    /// <summary>Shut down for sending; input is read and dropped until the peer's end of stream or the linger timeout.</summary>
    internal bool Lingering;

    /// <summary>Whether the handler has consumed any bytes (until then the header timeout applies).</summary>
    internal bool HasConsumed;

    /// <summary>The timer list the connection is on (header or idle), its links and deadline (Environment.TickCount64 ms).</summary>
    internal DeadlineList? TimerList;
    internal Connection? TimerPrevious;
    internal Connection? TimerNext;
    internal long Deadline;

    /// <summary>Resets the per-connection state for a new descriptor.</summary>
    internal void Open(int fd)
    {
        Fd = fd;
        State = 0;
        Context = null;
        Registered = false;
        // Stryker disable once Boolean : a flag left set makes the first drain Receive (to EAGAIN, then AfterInput) instead of calling AfterInput
        ReadDeferred = false;
        CloseWhenFlushed = false;
        LingerOnClose = false;
        Lingering = false;
        HasConsumed = false;
    }
}

/// <summary>Names one connection of a reactor for as long as it lives, and never a later one in the same slot.</summary>
public readonly record struct ConnectionId(int Loop, int Slot, uint Generation);

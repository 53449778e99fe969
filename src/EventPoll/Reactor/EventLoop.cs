using System.Collections.Concurrent;

namespace EventPoll.Reactor;

/// <summary>
/// One thread and its own EventPoll instance, serving the connections it accepted. Nothing on the accept, read,
/// write or close path is shared with another loop: the instance, its kernel epoll, the listener (in
/// <see cref="AcceptMode.ReusePort"/>), the connection table, the buffers and the timers are all this loop's.
/// </summary>
/// <remarks>
/// <para>The instance holds the OS descriptors in its kernel side and one in-process eventfd, the loop's wakeup for
/// <see cref="Post"/>. A post enqueues its work and signals the eventfd only when <see cref="_wakePending"/> was
/// clear, so a burst of posts costs one signal; the signal is a compare-and-swap in process, and only when the loop is
/// blocked in the kernel does the instance turn it into one eventfd write (its kernel side's signal).</para>
/// <para>Threads: <see cref="_posted"/> and <see cref="_wakePending"/> are shared with posting threads (a concurrent
/// queue; an interlocked flag, cleared by the loop before it drains the queue, so a post either finds it set and the
/// loop still to drain, or sets it and signals). Everything else is the loop thread's alone.</para>
/// </remarks>
public sealed partial class EventLoop
{
    private const ulong WakeWord = 0xFFFF_FFFF;     // generation 0 (never a connection's) and no valid slot
    private const ulong ListenerWord = 0xFFFF_FFFE;
    private const int BatchSize = 512;

    private readonly ReactorOptions _options;
    private readonly IConnectionHandler _handler;
    private readonly Epoll _epoll;
    private readonly Eventpoll _instance;
    private readonly EventFd _wake;
    private readonly ConcurrentQueue<(Action<object?> Work, object? State)> _posted = new();
    private int _wakePending; // interlocked, see the remarks
    private readonly Thread _thread;

    private readonly ConnectionTable _connections;
    private readonly DeadlineList _headerTimers;
    private readonly DeadlineList _idleTimers;
    private readonly DeadlineList _lingerTimers = new(LingerTimeoutMs);
    private readonly BufferPool _inputBuffers;
    private readonly BufferPool _outputBuffers;
    private readonly byte[] _receive = new byte[64 * 1024];
    private readonly byte[] _send = new byte[64 * 1024];
    private readonly EpollEvent[] _events = new EpollEvent[BatchSize];

    // The connection whose output sits in _send (null when it is empty): a write for another connection sends it first.
    private Connection? _sendOwner;
    private int _sendLength;

    private int _listener;            // this loop's listening descriptor (its own, or the shared one; set by Start), -1 once stopped
    private bool _ownsListener;
    private long _now;                // Environment.TickCount64 at the last wakeup
    private long _stopDeadline = long.MaxValue; // set by the stop: busy connections are closed then
    private bool _stopping;

    internal EventLoop(int index, ReactorOptions options, Func<EventLoop, IConnectionHandler> handlerFactory)
    {
        Index = index;
        _options = options;
        _connections = new ConnectionTable(this);
        _headerTimers = new DeadlineList((long)options.HeaderTimeout.TotalMilliseconds);
        _idleTimers = new DeadlineList((long)options.IdleTimeout.TotalMilliseconds);
        _inputBuffers = new BufferPool(options.MaxUnconsumedInput);
        // Stryker disable once Arithmetic : the pool's buffer size only decides whether blocked output rents a pooled buffer or gets one of its own size: reuse, not behaviour
        _outputBuffers = new BufferPool(16 * 1024);
        _epoll = new Epoll();
        _instance = _epoll.Instance;
        _wake = new EventFd();
        _epoll.Add(_wake, EpollEvents.In, WakeWord);
        try
        {
            _handler = handlerFactory(this) ?? throw new InvalidOperationException("the handler factory returned null");
        }
        catch
        {
            FreeUnstarted(); // the reactor never gets this loop to free: its constructor is what failed
            throw;
        }
        _thread = new Thread(Run) { IsBackground = true, Name = $"EventPoll loop {index}" };
    }

    /// <summary>This loop's number in its reactor (0-based).</summary>
    public int Index { get; }

    /// <summary>Environment.TickCount64 as of the loop's last wakeup: a cheap clock for handlers (a Date header, say).</summary>
    public long Now => _now;

    /// <summary>Connections open on this loop now (read on the loop's thread; elsewhere a snapshot).</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>
    /// Runs <paramref name="work"/>(<paramref name="state"/>) on this loop's thread, after the events it is dispatching.
    /// Callable from any thread; costs no system call unless the loop is blocked in the kernel (then one eventfd write).
    /// </summary>
    public void Post(Action<object?> work, object? state)
    {
        ArgumentNullException.ThrowIfNull(work);
        _posted.Enqueue((work, state));
        if (Interlocked.Exchange(ref _wakePending, 1) == 0) _wake.TrySignal();
    }

    /// <summary>The loop's instance (tests read its kernel side's counters).</summary>
    internal Eventpoll Instance => _instance;

    /// <summary>The open connection <paramref name="id"/> names, or null if it closed (loop thread only).</summary>
    public Connection? Find(ConnectionId id) => id.Loop == Index ? _connections.Resolve(id) : null;

    internal void Start(int listener, bool ownsListener)
    {
        _listener = listener;
        _ownsListener = ownsListener;
        EpollEvents events = EpollEvents.In | (ownsListener ? EpollEvents.None : EpollEvents.Exclusive);
        int r = _instance.CtlOs((int)EpollOp.Add, listener, (uint)events, ListenerWord);
        if (r < 0) throw new EpollException((Errno)(-r), $"the loop could not watch its listening socket (epoll_ctl ADD, OS descriptor {listener})");
        _now = Environment.TickCount64;
        _thread.Start();
    }

    /// <summary>Waits for the loop's thread to end (after <see cref="BeginStop"/>), then frees its instance.</summary>
    internal bool Join(TimeSpan timeout)
    {
        if (!_thread.Join(timeout)) return false;
        FreeUnstarted();
        return true;
    }

    /// <summary>Frees the instance of a loop whose reactor failed to start.</summary>
    internal void FreeUnstarted()
    {
        _wake.Dispose();
        _epoll.Dispose();
    }

    private void Run()
    {
        Span<EpollEvent> events = _events;
        while (!_stopping || _connections.Count != 0)
        {
            int n = _instance.Wait(events, BatchSize, WaitTimeout(), default);
            _now = Environment.TickCount64;
            for (int i = 0; i < n; i++) Dispatch(events[i]);
            ExpireTimers();
        }
    }

    private void Dispatch(EpollEvent e)
    {
        switch (e.Data)
        {
            case WakeWord:
                RunPosted();
                return;
            case ListenerWord:
                AcceptReady();
                return;
        }
        if (_connections.Resolve(e.Data) is not Connection connection) return; // closed since the kernel queued the event
        // Stryker disable once Bitwise : flushing on an input event too only tries the send earlier: it takes what the socket has room for, as on the EPOLLOUT that follows
        if ((e.Events & EpollEvents.Out) != 0 && connection.Pending is not null) FlushPending(connection);
        if (!connection.IsOpen) return;
        const EpollEvents readable = EpollEvents.In | EpollEvents.RdHup | EpollEvents.Hup | EpollEvents.Err;
        // Stryker disable once Bitwise,Unary : an EPOLLOUT-only event in Receive defers (output pending) or reads EAGAIN and arms the timer FlushPending armed at the same _now; reading on to EAGAIN after a short read only adds a recv
        if ((e.Events & readable) != 0) Receive(connection, untilDrained: (e.Events & (readable & ~EpollEvents.In)) != 0);
    }

    private void RunPosted()
    {
        _wake.TryConsume(out _);
        Interlocked.Exchange(ref _wakePending, 0); // before draining: a later post sets it again and signals
        while (_posted.TryDequeue(out (Action<object?> Work, object? State) item))
        {
            try
            {
                item.Work(item.State);
            }
            catch (Exception ex)
            {
                Report(ex);
            }
            FlushSendBuffer();
        }
    }

    /// <summary>Milliseconds until the earliest timer (or the stop deadline), -1 for none.</summary>
    private int WaitTimeout()
    {
        long due = Math.Min(Math.Min(_headerTimers.Earliest, _idleTimers.Earliest), Math.Min(_lingerTimers.Earliest, _stopDeadline));
        if (due == long.MaxValue) return -1;
        long left = due - Environment.TickCount64;
        // Stryker disable once Equality : at left == 0 both give a timeout of 0
        return left <= 0 ? 0 : (int)Math.Min(left, int.MaxValue);
    }

    private void ExpireTimers()
    {
        while (_headerTimers.TakeDue(_now) is Connection c) CloseNow(c, CloseReason.TimedOut);
        while (_idleTimers.TakeDue(_now) is Connection c) CloseNow(c, CloseReason.TimedOut);
        while (_lingerTimers.TakeDue(_now) is Connection c) CloseNow(c, c.CloseReasonWhenFlushed); // the response was sent
        // Stryker disable once Equality : at the deadline's own millisecond the next wait's timeout is 0 (left <= 0), so the loop comes round at once and closes them on the next tick
        if (_now >= _stopDeadline)
        {
            foreach (Connection c in _connections.Open()) CloseNow(c, CloseReason.Stopped);
        }
    }

    /// <summary>Posted by the reactor's stop: no more accepts; idle connections close now, busy ones when idle or at the deadline.</summary>
    internal void BeginStop(TimeSpan grace)
    {
        Post(static state =>
        {
            var (loop, grace) = ((EventLoop, TimeSpan))state!;
            loop._stopping = true;
            loop._stopDeadline = Environment.TickCount64 + (long)grace.TotalMilliseconds;
            loop.CloseListener();
            foreach (Connection c in loop._connections.Open())
            {
                if (loop.IsIdle(c)) loop.CloseNow(c, CloseReason.Stopped);
            }
        }, (this, grace));
    }

    /// <summary>Stops accepting (once: only the stop calls it). -1 ends an accept round of the batch being dispatched.</summary>
    private void CloseListener()
    {
        if (_ownsListener) Interop.SocketCalls.Close(_listener);
        else _instance.CtlOs((int)EpollOp.Del, _listener, 0, 0);
        // Stryker disable once Unary : descriptor 1 is the process's stdout, never a listening socket: accept4 on it fails as on -1 and the round ends
        _listener = -1;
    }

    private void Report(Exception ex) => _options.HandlerFailed?.Invoke(ex);
}

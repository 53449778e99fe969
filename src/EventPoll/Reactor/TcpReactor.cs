using System.Net;
using EventPoll.Interop;

namespace EventPoll.Reactor;

/// <summary>
/// A TCP server core: <see cref="ReactorOptions.Loops"/> event loops, each a thread with its own EventPoll instance,
/// accepting connections on one address and handing their bytes to a per-loop <see cref="IConnectionHandler"/>.
/// </summary>
/// <remarks>
/// Loops share no lock on the accept, read, write or close path (the user-space form of the seed patches' point:
/// no global lock where connections come and go). <see cref="Stop"/> stops accepting, closes idle connections, lets
/// busy ones finish until a deadline, and joins the loops; every descriptor the reactor opened is closed by then.
/// </remarks>
public sealed class TcpReactor : IDisposable
{
    private readonly EventLoop[] _loops;
    private readonly int _sharedListener = -1;
    private bool _stopped;

    /// <summary>Binds and listens (errors throw <see cref="EpollException"/> with the errno, e.g. EADDRINUSE), then starts the loops.</summary>
    public TcpReactor(ReactorOptions options, Func<EventLoop, IConnectionHandler> handlerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handlerFactory);
        options.Validate();
        _loops = new EventLoop[options.Loops];
        bool reusePort = options.Accept == AcceptMode.ReusePort;
        var opened = new List<int>();                  // every listening descriptor, closed again if a step fails
        var loopListeners = new int[options.Loops];    // the one each loop watches
        int started = 0;                               // loops whose thread runs: a failed start must stop them
        try
        {
            var endPoint = new IPEndPoint(options.EndPoint.Address, options.EndPoint.Port);
            if (!reusePort)
            {
                _sharedListener = Listen(endPoint, options, reusePort: false);
                opened.Add(_sharedListener);
                Port = SocketCalls.LocalPort(_sharedListener);
            }
            for (int i = 0; i < _loops.Length; i++)
            {
                if (reusePort)
                {
                    int own = Listen(endPoint, options, reusePort: true);
                    opened.Add(own);
                    endPoint.Port = Port = SocketCalls.LocalPort(own); // port 0: the others join the port the first got
                }
                loopListeners[i] = opened[^1]; // the loop's own, or the shared one (then opened holds it alone)
                _loops[i] = new EventLoop(i, options, handlerFactory);
            }
            for (; started < _loops.Length; started++) _loops[started].Start(loopListeners[started], ownsListener: reusePort);
        }
        catch
        {
            // A started loop closes its own listener (ReusePort) as it ends; the shared one goes once they all ended.
            StopStarted(started, TimeSpan.Zero);
            if (reusePort)
            {
                foreach (int fd in opened.Skip(started)) SocketCalls.Close(fd);
            }
            foreach (EventLoop? loop in _loops.Skip(started)) loop?.FreeUnstarted();
            throw;
        }
    }

    /// <summary>The port listened on (the one the kernel chose when the options asked for port 0).</summary>
    public int Port { get; }

    /// <summary>The loops, by index.</summary>
    public IReadOnlyList<EventLoop> Loops => _loops;

    /// <summary>
    /// Stops accepting, closes idle connections at once and busy ones when their exchange ends or after
    /// <paramref name="grace"/>, then joins the loops. Returns false if a loop did not end within grace + 5 s
    /// (a handler that blocks its loop); that loop's instance and a shared listener then stay open, as a later call
    /// does nothing. Idempotent.
    /// </summary>
    public bool Stop(TimeSpan grace)
    {
        if (_stopped) return true;
        _stopped = true;
        return StopStarted(_loops.Length, grace);
    }

    /// <summary>Stops with a 5 s grace.</summary>
    public void Dispose() => Stop(TimeSpan.FromSeconds(5));

    /// <summary>Stops and joins the first <paramref name="count"/> loops, then closes the shared listener if they all ended.</summary>
    private bool StopStarted(int count, TimeSpan grace)
    {
        for (int i = 0; i < count; i++) _loops[i].BeginStop(grace);
        bool joined = true;
        for (int i = 0; i < count; i++) joined &= _loops[i].Join(grace + TimeSpan.FromSeconds(5));
        if (_sharedListener >= 0 && joined) SocketCalls.Close(_sharedListener); // a loop still running watches it
        return joined;
    }

    private static int Listen(IPEndPoint endPoint, ReactorOptions options, bool reusePort)
    {
        int fd = Check(SocketCalls.TcpSocket(endPoint), "socket", endPoint);
        try
        {
            Check(SocketCalls.SetOption(fd, SocketCalls.SolSocket, SocketCalls.SoReuseAddr, 1), "setsockopt SO_REUSEADDR", endPoint);
            if (reusePort) Check(SocketCalls.SetOption(fd, SocketCalls.SolSocket, SocketCalls.SoReusePort, 1), "setsockopt SO_REUSEPORT", endPoint);
            // Accepted sockets inherit TCP_NODELAY: a response written after a pipelined one is not held back by Nagle.
            Check(SocketCalls.SetOption(fd, SocketCalls.IpProtoTcp, SocketCalls.TcpNoDelay, 1), "setsockopt TCP_NODELAY", endPoint);
            if (options.DeferAccept) Check(SocketCalls.SetOption(fd, SocketCalls.IpProtoTcp, SocketCalls.TcpDeferAccept, (int)Math.Ceiling(options.HeaderTimeout.TotalSeconds)), "setsockopt TCP_DEFER_ACCEPT", endPoint);
            Check(SocketCalls.Bind(fd, endPoint), "bind", endPoint);
            Check(SocketCalls.Listen(fd, options.Backlog), "listen", endPoint);
            return fd;
        }
        catch
        {
            SocketCalls.Close(fd);
            throw;
        }
    }

    private static int Check(int result, string call, IPEndPoint endPoint) => result >= 0
        ? result
        : throw new EpollException((Errno)(-result), $"the reactor could not listen on {endPoint} ({call})");
}

using System.Net;

namespace EventPoll.Reactor;

/// <summary>How a <see cref="TcpReactor"/>'s loops share the listening address.</summary>
public enum AcceptMode
{
    /// <summary>
    /// One listening socket per loop, all bound to the address with SO_REUSEPORT: the kernel spreads new connections
    /// over the loops by a hash of the connection, and no loop ever touches another's accept queue.
    /// </summary>
    ReusePort,

    /// <summary>
    /// One listening socket, registered with EPOLLEXCLUSIVE in every loop's instance: a new connection wakes one
    /// idle loop (no thundering herd), and the busiest loop is not favoured by a hash.
    /// </summary>
    SharedExclusive,
}

/// <summary>What a <see cref="TcpReactor"/> listens on and how its loops behave.</summary>
public sealed class ReactorOptions
{
    /// <summary>The address and port to listen on (port 0: any free port, see <see cref="TcpReactor.Port"/>). Default 127.0.0.1:8080.</summary>
    public IPEndPoint EndPoint { get; init; } = new(IPAddress.Loopback, 8080);

    /// <summary>The number of event loops, each a thread with its own epoll instance. Default: one per processor.</summary>
    public int Loops { get; init; } = Environment.ProcessorCount;

    /// <summary>How the loops accept (see <see cref="AcceptMode"/>). Default <see cref="AcceptMode.ReusePort"/>.</summary>
    public AcceptMode Accept { get; init; } = AcceptMode.ReusePort;

    /// <summary>The listen backlog. Default 4096 (the kernel caps it at net.core.somaxconn).</summary>
    public int Backlog { get; init; } = 4096;

    /// <summary>
    /// TCP_DEFER_ACCEPT: the kernel hands over a connection once its first bytes arrived, so the loop reads the request
    /// right after accept4 and, for a one-request connection, never registers it with epoll at all. Default true.
    /// </summary>
    public bool DeferAccept { get; init; } = true;

    /// <summary>
    /// How long a connection may take to send a complete request from its first byte, or its first request after it
    /// opened (the slowloris defence): past it the connection is closed. Default 10 s.
    /// </summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a connection may stay open between requests. Default 60 s.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The most a connection may hold of received bytes its handler has not consumed yet (a partial request). A
    /// handler must reject longer input itself (HTTP: 431) before this is reached; past it the connection is reset.
    /// Default 16 KiB.
    /// </summary>
    public int MaxUnconsumedInput { get; init; } = 16 * 1024;

    /// <summary>Called on the loop's thread with an exception a handler threw; the connection it came from is aborted. Default: ignored.</summary>
    public Action<Exception>? HandlerFailed { get; init; }

    internal void Validate()
    {
        if (Loops < 1) throw new ArgumentOutOfRangeException(nameof(Loops), Loops, "a reactor needs at least one loop");
        if (Backlog < 1) throw new ArgumentOutOfRangeException(nameof(Backlog), Backlog, "the listen backlog must be positive");
        if (MaxUnconsumedInput < 1) throw new ArgumentOutOfRangeException(nameof(MaxUnconsumedInput), MaxUnconsumedInput, "must be positive");
        if (HeaderTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(HeaderTimeout), HeaderTimeout, "must be positive");
        if (IdleTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(IdleTimeout), IdleTimeout, "must be positive");
    }
}

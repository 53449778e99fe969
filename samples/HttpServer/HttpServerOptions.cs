using System.Net;
using System.Text;
using EventPoll.Reactor;

namespace EventPoll.Samples.Http;

/// <summary>What the sample server listens on and answers.</summary>
public sealed class HttpServerOptions
{
    /// <summary>Default 127.0.0.1.</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>Default 8080; 0 picks a free port.</summary>
    public int Port { get; init; } = 8080;

    /// <summary>Event loops. Default: one per processor.</summary>
    public int Loops { get; init; } = Environment.ProcessorCount;

    /// <summary>The body of every 200 response. Default "Hello, World!".</summary>
    public string Body { get; init; } = "Hello, World!";

    /// <summary>How the loops accept. Default <see cref="AcceptMode.ReusePort"/>.</summary>
    public AcceptMode Accept { get; init; } = AcceptMode.ReusePort;

    /// <summary>TCP_DEFER_ACCEPT (see <see cref="ReactorOptions.DeferAccept"/>). Default true.</summary>
    public bool DeferAccept { get; init; } = true;

    /// <summary>The most bytes a request's head may have (431 past it). Default 8 KiB.</summary>
    public int MaxHeaderBytes { get; init; } = HttpRequestParser.DefaultMaxHeaderBytes;

    /// <summary>Slowloris defence: a request must be complete this long after its first byte. Default 10 s.</summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Keep-alive connections close after this long without a request. Default 60 s.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Starts a reactor serving HTTP/1.1 with these options (stop it with <see cref="TcpReactor.Stop"/>).</summary>
    public TcpReactor Start()
    {
        byte[] body = Encoding.UTF8.GetBytes(Body);
        var reactor = new ReactorOptions
        {
            EndPoint = new IPEndPoint(Address, Port),
            Loops = Loops,
            Accept = Accept,
            DeferAccept = DeferAccept,
            HeaderTimeout = HeaderTimeout,
            IdleTimeout = IdleTimeout,
            MaxUnconsumedInput = MaxHeaderBytes + 1024, // the parser answers 431 before the reactor's own limit
        };
        return new TcpReactor(reactor, loop => new HttpConnectionHandler(loop, body, MaxHeaderBytes));
    }
}

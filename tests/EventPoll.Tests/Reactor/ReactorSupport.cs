using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using EventPoll.Reactor;
using EventPoll.Tests.Support;

namespace EventPoll.Tests.Reactor;

/// <summary>A line protocol for reactor tests: each complete "\n"-terminated line is answered with "ok:" + the line; "close\n" closes after answering.</summary>
internal sealed class LineHandler(ReactorEvents events) : IConnectionHandler
{
    public int OnReceived(Connection connection, ReadOnlySpan<byte> received)
    {
        int consumed = 0;
        while (received[consumed..].IndexOf((byte)'\n') is int end and >= 0)
        {
            ReadOnlySpan<byte> line = received.Slice(consumed, end + 1);
            connection.Write("ok:"u8);
            connection.Write(line);
            consumed += end + 1;
            if (line.SequenceEqual("close\n"u8)) connection.Close();
        }
        return consumed;
    }

    public void OnOpened(Connection connection) => events.Opened(connection);

    public void OnClosed(Connection connection, CloseReason reason) => events.Closed(reason);
}

/// <summary>What the handlers of one reactor saw, for assertions from the test thread.</summary>
internal sealed class ReactorEvents
{
    private readonly BlockingCollection<CloseReason> _closes = new();

    internal ConcurrentDictionary<int, string?> LoopThreads { get; } = new();

    internal void Opened(Connection connection) => LoopThreads[connection.Loop.Index] = Thread.CurrentThread.Name;

    internal void Closed(CloseReason reason) => _closes.Add(reason);

    /// <summary>The next close's reason; fails the test if none comes within 10 s.</summary>
    internal CloseReason NextClose()
    {
        Xunit.Assert.True(_closes.TryTake(out CloseReason reason, TimeSpan.FromSeconds(10)), "no connection closed within 10 s");
        return reason;
    }
}

internal static class ReactorClient
{
    internal static (TcpReactor Reactor, ReactorEvents Events) Start(ReactorOptions? options = null)
    {
        var events = new ReactorEvents();
        options ??= new ReactorOptions();
        return (new TcpReactor(OnLoopback(options), _ => new LineHandler(events)), events);
    }

    /// <summary>Runs <paramref name="work"/> on <paramref name="loop"/>'s thread (a post) and returns its result; fails after the bound.</summary>
    internal static T OnLoop<T>(EventLoop loop, Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Post(_ =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        }, null);
        return Bounded.Result(done.Task, "the posted work did not run");
    }

    /// <summary><paramref name="options"/> on 127.0.0.1 at a port the kernel chooses, reporting handler failures to <paramref name="handlerFailed"/>.</summary>
    internal static ReactorOptions OnLoopback(ReactorOptions options, Action<Exception>? handlerFailed = null) => new()
    {
        EndPoint = new IPEndPoint(IPAddress.Loopback, 0),
        Loops = options.Loops,
        Accept = options.Accept,
        DeferAccept = options.DeferAccept,
        HeaderTimeout = options.HeaderTimeout,
        IdleTimeout = options.IdleTimeout,
        MaxUnconsumedInput = options.MaxUnconsumedInput,
        HandlerFailed = handlerFailed,
    };

    internal static Socket Connect(TcpReactor reactor)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 10_000, NoDelay = true };
        try
        {
            socket.Connect(IPAddress.Loopback, reactor.Port);
            return socket;
        }
        catch
        {
            socket.Dispose(); // not left to a finalizer, which would close it during another test's descriptor count
            throw;
        }
    }

    /// <summary>Receives exactly <paramref name="length"/> bytes (a receive timeout fails the test).</summary>
    internal static string Receive(Socket socket, int length)
    {
        var buffer = new byte[length];
        int have = 0;
        while (have < length)
        {
            int n = socket.Receive(buffer, have, length - have, SocketFlags.None);
            if (n == 0) throw new Xunit.Sdk.XunitException($"the server closed after {have} of {length} bytes");
            have += n;
        }
        return System.Text.Encoding.ASCII.GetString(buffer);
    }

    /// <summary>Whether the server closed the connection: a receive sees end of stream (or a reset) within 10 s.</summary>
    internal static bool SeesClose(Socket socket)
    {
        var buffer = new byte[64];
        try
        {
            return socket.Receive(buffer) == 0;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
    }

    internal static void Send(Socket socket, string text) => socket.Send(System.Text.Encoding.ASCII.GetBytes(text));
}

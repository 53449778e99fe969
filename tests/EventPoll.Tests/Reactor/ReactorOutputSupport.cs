using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using EventPoll.Reactor;
using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Reactor;

/// <summary>
/// A handler for the output-path tests. Each connection's output is one stream of <see cref="OutputStream.At"/> bytes
/// (its position in <see cref="Connection.State"/>), so a client can check that every byte arrived once and in order.
/// Requests, one a line: "big N" writes N bytes of the stream in pieces of every kind (small and large writes, spans);
/// "bigclose N" does the same and closes; "four" answers "abcd"; "wac" writes 65,526 bytes, closes, then writes 10
/// more; "now" closes at once with nothing owed; any other line is answered "ok:" + the line.
/// </summary>
internal sealed class OutputHandler : IConnectionHandler
{
    // Piece sizes, cycled: positive through Write (over 64 KiB goes to the socket directly), negative through
    // GetSpan(-size) and Advance of the whole span it gives.
    private static readonly int[] Pieces = [1, 3_000, 70_000, 16_384, 200_000, -65_536, 40_000, -1_000, 7, -1];
    private readonly byte[] _scratch = new byte[200_000];

    private readonly BlockingCollection<CloseReason> _closes = new();
    private readonly BlockingCollection<bool> _written = new();

    /// <summary>The connection opened last (the tests post work to it on its loop).</summary>
    internal volatile Connection? Last;

    private readonly BlockingCollection<bool> _openAfterCloseNow = new();

    /// <summary>Written to every connection as it opens (a server that speaks first); none when null.</summary>
    internal byte[]? Greeting { get; init; }

    public void OnOpened(Connection connection)
    {
        Last = connection;
        if (Greeting is null) return;
        connection.Write(Greeting);
        GreetingPending = connection.Pending is not null;
    }

    /// <summary>Whether the socket refused part of the greeting (set before the rest of it can be sent).</summary>
    internal volatile bool GreetingPending;

    public void OnClosed(Connection connection, CloseReason reason) => _closes.Add(reason);

    public int OnReceived(Connection connection, ReadOnlySpan<byte> received)
    {
        int consumed = 0;
        while (received[consumed..].IndexOf((byte)'\n') is int end and >= 0)
        {
            string line = System.Text.Encoding.ASCII.GetString(received.Slice(consumed, end));
            consumed += end + 1;
            Answer(connection, line);
        }
        return consumed;
    }

    private void Answer(Connection connection, string line)
    {
        string[] words = line.Split(' ');
        switch (words[0])
        {
            case "big" or "bigclose":
                WriteStream(connection, long.Parse(words[1], System.Globalization.CultureInfo.InvariantCulture));
                _written.Add(connection.Pending is not null);
                if (words[0] == "bigclose") connection.Close();
                break;
            case "four":
                connection.Write("abcd"u8);
                break;
            case "wac":
                WriteStream(connection, 65_526);
                connection.Close();
                WriteStream(connection, 10);
                break;
            case "now":
                connection.Close();
                _openAfterCloseNow.Add(connection.IsOpen);
                break;
            default:
                connection.Write(System.Text.Encoding.ASCII.GetBytes($"ok:{line}\n"));
                break;
        }
    }

    /// <summary>Writes the next <paramref name="count"/> bytes of the connection's stream, in pieces of every kind.</summary>
    internal void WriteStream(Connection connection, long count)
    {
        for (int piece = 0; count > 0; piece = (piece + 1) % Pieces.Length)
        {
            int size = Pieces[piece];
            if (size > 0)
            {
                int n = (int)Math.Min(size, count);
                OutputStream.Fill(_scratch.AsSpan(0, n), connection.State);
                connection.Write(_scratch.AsSpan(0, n));
                connection.State += n;
                count -= n;
            }
            else
            {
                Span<byte> span = connection.GetSpan(-size);
                int n = (int)Math.Min(span.Length, count);
                OutputStream.Fill(span[..n], connection.State);
                connection.Advance(n);
                connection.State += n;
                count -= n;
            }
        }
    }

    /// <summary>Whether the last "big" request's output was still pending when its handler returned.</summary>
    internal bool NextWritten()
    {
        Assert.True(_written.TryTake(out bool pending, Bounded.Limit), "the handler did not write within the bound");
        return pending;
    }

    /// <summary>Whether the connection was still open right after the "now" request's Close returned.</summary>
    internal bool OpenAfterCloseNow()
    {
        Assert.True(_openAfterCloseNow.TryTake(out bool open, Bounded.Limit), "the handler did not answer \"now\" within the bound");
        return open;
    }

    /// <summary>The next close's reason; fails the test if none comes within 10 s.</summary>
    internal CloseReason NextClose()
    {
        Assert.True(_closes.TryTake(out CloseReason reason, TimeSpan.FromSeconds(10)), "no connection closed within 10 s");
        return reason;
    }
}

/// <summary>The bytes of a connection's output stream, and the client side of the output tests.</summary>
internal static class OutputStream
{
    /// <summary>The byte at <paramref name="position"/> of a stream: a period of 251, prime to every piece size.</summary>
    internal static byte At(long position) => (byte)(position % 251);

    internal static void Fill(Span<byte> target, long position)
    {
        for (int i = 0; i < target.Length; i++) target[i] = At(position + i);
    }

    /// <summary>One loop on port 0 serving <paramref name="handler"/>.</summary>
    internal static TcpReactor Start(OutputHandler handler, bool deferAccept = true, TimeSpan? headerTimeout = null, TimeSpan? idleTimeout = null)
        => new(new ReactorOptions
        {
            EndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            Loops = 1,
            DeferAccept = deferAccept,
            HeaderTimeout = headerTimeout ?? TimeSpan.FromSeconds(10),
            IdleTimeout = idleTimeout ?? TimeSpan.FromSeconds(60),
        }, _ => handler);

    /// <summary>A client whose receive buffer is small, so the server's output blocks while it does not read.</summary>
    internal static Socket Connect(TcpReactor reactor)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            ReceiveTimeout = 10_000,
            ReceiveBufferSize = 4096,
            NoDelay = true,
        };
        try
        {
            socket.Connect(IPAddress.Loopback, reactor.Port);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Receives <paramref name="count"/> bytes and checks each is the stream's byte at its position.</summary>
    internal static void ReceiveStream(Socket socket, long position, long count)
    {
        var buffer = new byte[256 * 1024];
        for (long have = 0; have < count;)
        {
            int n = socket.Receive(buffer, 0, (int)Math.Min(buffer.Length, count - have), SocketFlags.None);
            if (n == 0) Assert.Fail($"the server closed after {have} of {count} bytes");
            for (int i = 0; i < n; i++)
            {
                if (buffer[i] != At(position + have + i)) Assert.Fail($"byte {have + i} of {count} is {buffer[i]}, not {At(position + have + i)}");
            }
            have += n;
        }
    }

    /// <summary>Runs <paramref name="work"/> on <paramref name="connection"/>'s loop thread and returns its result.</summary>
    internal static T OnLoop<T>(Connection connection, Func<T> work) => ReactorClient.OnLoop(connection.Loop, work);
}

/// <summary>One loop serving an <see cref="OutputHandler"/>, and one client connected to it.</summary>
internal sealed class OutputSession : IDisposable
{
    /// <summary>The size of a "big" response: far more than a loopback socket pair buffers for a client that does not read.</summary>
    internal const long Big = 16 << 20;

    internal OutputSession(bool deferAccept = true)
    {
        Reactor = OutputStream.Start(Handler, deferAccept);
        Client = OutputStream.Connect(Reactor);
    }

    internal OutputHandler Handler { get; } = new();

    internal TcpReactor Reactor { get; }

    internal Socket Client { get; }

    /// <summary>Asks for a <see cref="Big"/> response ("big" or "bigclose") and checks the socket refused part of it.</summary>
    internal void BlockOutput(string request)
    {
        ReactorClient.Send(Client, $"{request} {Big}\n");
        Assert.True(Handler.NextWritten(), "the output never blocked: the test did not reach the pending path");
    }

    /// <summary>One request and its answer on <paramref name="socket"/>; returns its connection (the one opened last).</summary>
    internal Connection Exchange(Socket socket)
    {
        ReactorClient.Send(socket, "x\n");
        Assert.Equal("ok:x\n", ReactorClient.Receive(socket, 5));
        return Handler.Last!;
    }

    /// <summary>The client sees the server close (end of stream or reset), and the handler was told <paramref name="reason"/>.</summary>
    internal void ExpectClose(CloseReason reason)
    {
        Assert.True(ReactorClient.SeesClose(Client));
        Assert.Equal(reason, Handler.NextClose());
    }

    public void Dispose()
    {
        Client.Dispose();
        Reactor.Dispose();
    }
}

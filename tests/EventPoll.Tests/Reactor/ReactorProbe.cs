using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using EventPoll.Reactor;
using EventPoll.Tests.Os;
using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Reactor;

/// <summary>A handler's answer to received bytes, for <see cref="ReactorProbe.Receive"/> (a span cannot be a Func argument).</summary>
internal delegate int ReceiveScript(Connection connection, ReadOnlySpan<byte> received);

/// <summary>
/// A reactor whose handler records what it saw (opens with the server's descriptor, every received chunk, closes with
/// their reason, every failure reported through HandlerFailed), so a test waits on those events, never on time. The
/// default protocol answers each line with "ok:" + the line; "close\n" closes after answering; "big:N\n" answers N
/// bytes of <see cref="Pattern"/>. Each hook replaces a part of the handler.
/// </summary>
internal sealed class ReactorProbe : IConnectionHandler, IDisposable
{
    private static readonly byte[] s_pattern = [.. Enumerable.Range(0, 16 << 20).Select(i => (byte)(i % 251))];

    private readonly BlockingCollection<(ConnectionId Id, int Fd)> _opens = new();
    private readonly BlockingCollection<string> _received = new();
    private readonly BlockingCollection<(ConnectionId Id, CloseReason Reason)> _closes = new();
    private readonly BlockingCollection<Exception> _failures = new();

    internal ReactorProbe(ReactorOptions options)
    {
        Reactor = new TcpReactor(ReactorClient.OnLoopback(options, _failures.Add), _ => this);
    }

    internal TcpReactor Reactor { get; }

    internal EventLoop Loop => Reactor.Loops[0];

    internal ReceiveScript? Receive { get; init; }

    internal Action<Connection>? Opened { get; init; }

    internal Action<Connection, CloseReason>? Closed { get; init; }

    /// <summary>Byte i of a "big:" answer.</summary>
    internal static ReadOnlySpan<byte> Pattern(int length) => s_pattern.AsSpan(0, length);

    public int OnReceived(Connection connection, ReadOnlySpan<byte> received)
    {
        _received.Add(System.Text.Encoding.ASCII.GetString(received));
        return (Receive ?? AnswerLines)(connection, received);
    }

    public void OnOpened(Connection connection)
    {
        _opens.Add((connection.Id, connection.Fd));
        Opened?.Invoke(connection);
    }

    public void OnClosed(Connection connection, CloseReason reason)
    {
        _closes.Add((connection.Id, reason));
        Closed?.Invoke(connection, reason);
    }

    internal static int AnswerLines(Connection connection, ReadOnlySpan<byte> received)
    {
        int consumed = 0;
        while (received[consumed..].IndexOf((byte)'\n') is int end and >= 0)
        {
            ReadOnlySpan<byte> line = received.Slice(consumed, end + 1);
            consumed += end + 1;
            if (line.StartsWith("big:"u8))
            {
                connection.Write(Pattern(int.Parse(System.Text.Encoding.ASCII.GetString(line[4..^1]), System.Globalization.CultureInfo.InvariantCulture)));
                continue;
            }
            connection.Write("ok:"u8);
            connection.Write(line);
            if (line.SequenceEqual("close\n"u8)) connection.Close();
        }
        return consumed;
    }

    internal (ConnectionId Id, int Fd) NextOpen() => Take(_opens, "no connection opened");

    internal string NextReceived() => Take(_received, "the handler received nothing");

    internal (ConnectionId Id, CloseReason Reason) NextClose() => Take(_closes, "no connection closed");

    internal Exception NextFailure() => Take(_failures, "no handler failure was reported");

    /// <summary>Received chunks recorded and not taken yet.</summary>
    internal int ReceivedCount => _received.Count;

    private static T Take<T>(BlockingCollection<T> items, string what)
    {
        Assert.True(items.TryTake(out T? item, Bounded.Limit), $"not within {Bounded.Limit.TotalSeconds} s: {what}");
        return item!;
    }

    /// <summary>Runs <paramref name="work"/> on the loop's thread and returns its result.</summary>
    internal T OnLoop<T>(Func<T> work) => ReactorClient.OnLoop(Loop, work);

    /// <summary>Keeps the loop's thread busy in posted work until disposed: what arrives meanwhile is dispatched in one batch after.</summary>
    internal IDisposable Hold()
    {
        var running = new ManualResetEventSlim();
        var release = new ManualResetEventSlim();
        Loop.Post(_ =>
        {
            running.Set();
            Assert.True(release.Wait(Bounded.Limit), "the hold was never released");
        }, null);
        Bounded.Wait(running, "the hold did not start on the loop");
        return new Release(release);
    }

    private sealed class Release(ManualResetEventSlim release) : IDisposable
    {
        public void Dispose() => release.Set();
    }

    internal Socket Connect(int receiveBuffer = 0)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 10_000, NoDelay = true };
        try
        {
            if (receiveBuffer > 0) socket.ReceiveBufferSize = receiveBuffer; // before connect: it sets the window
            socket.Connect(IPAddress.Loopback, Reactor.Port);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Connects and makes one exchange of <paramref name="line"/> (answered "ok:" + line); <paramref name="id"/> names the connection.</summary>
    internal Socket ConnectAnswered(string line, out ConnectionId id)
    {
        Socket socket = Connect();
        ReactorObserve.Send(socket, line);
        Assert.Equal("ok:" + line, ReactorObserve.ReceiveText(socket, line.Length + 3));
        id = NextOpen().Id;
        NextReceived();
        return socket;
    }

    public void Dispose() => Reactor.Dispose();
}

/// <summary>Client-side and descriptor-level observations for the reactor's mutation tests.</summary>
internal static partial class ReactorObserve
{
    private const int Fionread = 0x541B;
    internal const short PollRdHup = 0x2000;

    /// <summary>Bytes waiting unread in the socket <paramref name="fd"/> (FIONREAD), or -1 once it is closed.</summary>
    internal static unsafe int Unread(int fd)
    {
        int count;
        return Ioctl(fd, Fionread, &count) < 0 ? -1 : count;
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int Ioctl(int fd, nuint request, int* value);

    /// <summary>Receives exactly <paramref name="length"/> bytes (the socket's receive timeout fails the test).</summary>
    internal static byte[] ReceiveExactly(Socket socket, int length)
    {
        var buffer = new byte[length];
        for (int have = 0; have < length;)
        {
            int n = socket.Receive(buffer, have, length - have, SocketFlags.None);
            if (n == 0) throw new Xunit.Sdk.XunitException($"the server closed after {have} of {length} bytes");
            have += n;
        }
        return buffer;
    }

    internal static string ReceiveText(Socket socket, int length) => System.Text.Encoding.ASCII.GetString(ReceiveExactly(socket, length));

    internal static void Send(Socket socket, string text) => socket.Send(System.Text.Encoding.ASCII.GetBytes(text));

    /// <summary>The socket's pending error (SO_ERROR): 0 for an orderly end, ECONNRESET or EPIPE after a reset.</summary>
    internal static int PendingError(Socket socket) => (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;

    /// <summary>The loop thread's id for /proc/self/task.</summary>
    internal static int LoopThread(ReactorProbe probe) => probe.OnLoop(OsThreads.GetTid);

    /// <summary>
    /// The first epoll wait thread <paramref name="tid"/> is seen blocked in: its system call number and timeout argument
    /// (epoll_wait and epoll_pwait take milliseconds, -1 for none; epoll_pwait2, which the kernel side uses only for a
    /// finite timeout, takes a timespec pointer).
    /// </summary>
    internal static (int Number, long Timeout) NextBlockedWait(int tid)
    {
        (int Number, ulong[] Args)? call = null;
        Bounded.Until(() => (call = OsThreads.BlockedIn(tid)) is { Number: 232 or 281 or OsThreads.SysEpollPwait2 }, "the loop never blocked in an epoll wait");
        return (call!.Value.Number, (int)call.Value.Args[3]);
    }
}

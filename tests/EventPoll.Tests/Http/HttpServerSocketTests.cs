using System.Net;
using System.Net.Sockets;
using System.Text;
using EventPoll.Reactor;
using EventPoll.Samples.Http;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Http;

/// <summary>
/// The sample server over real loopback sockets: what it answers, and that bad input (malformed, too long, too slow,
/// reset, half-closed) ends only the connection it came on: every test then checks that another connection on the
/// same loop is still served.
/// </summary>
public sealed class HttpServerSocketTests : IDisposable
{
    private const string Get = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";
    private readonly TcpReactor _server = new HttpServerOptions { Port = 0, Loops = 1, HeaderTimeout = TimeSpan.FromMilliseconds(300) }.Start();

    public void Dispose() => _server.Dispose();

    [LinuxFact]
    public void Get_root_is_answered_with_hello_world_and_the_connection_kept()
    {
        using Socket s = Connect();
        for (int i = 0; i < 2; i++)
        {
            Send(s, Get);
            (string head, string body) = ReadResponse(s);
            Assert.StartsWith("HTTP/1.1 200 OK\r\n", head);
            Assert.DoesNotContain("Connection: close", head);
            Assert.Equal("Hello, World!", body);
        }
    }

    [LinuxFact]
    public void Another_path_is_404()
    {
        using Socket s = Connect();
        Send(s, "GET /missing HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 404 ", ReadResponse(s).Head);
    }

    [LinuxFact]
    public void Connection_close_is_honoured_with_an_orderly_end()
    {
        using Socket s = Connect();
        Send(s, "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        (string head, string body) = ReadResponse(s);
        Assert.Contains("Connection: close", head);
        Assert.Equal("Hello, World!", body);
        AssertOrderlyEnd(s);
        AssertStillServing();
    }

    [LinuxFact]
    public void Pipelined_requests_are_answered_in_order()
    {
        using Socket s = Connect();
        Send(s, Get + "GET /nothing HTTP/1.1\r\nHost: t\r\n\r\n" + "HEAD / HTTP/1.1\r\nHost: t\r\n\r\n" + Get);
        Assert.StartsWith("HTTP/1.1 200 ", ReadResponse(s).Head);
        Assert.StartsWith("HTTP/1.1 404 ", ReadResponse(s).Head);
        Assert.StartsWith("HTTP/1.1 200 ", ReadResponse(s, head: true).Head);
        Assert.Equal("Hello, World!", ReadResponse(s).Body);
    }

    [LinuxTheory]
    [InlineData("GARBAGE\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: t\r\nBad Header Name: x\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: t\r\nNoColon\r\n\r\n")]
    public void A_malformed_request_line_or_header_gets_400_and_close(string request)
    {
        using Socket s = Connect();
        Send(s, request + Get); // bytes behind the bad request: the server must not answer them, nor reset
        (string head, _) = ReadResponse(s);
        Assert.StartsWith("HTTP/1.1 400 ", head);
        Assert.Contains("Connection: close", head);
        AssertOrderlyEnd(s);
        AssertStillServing();
    }

    [LinuxFact]
    public void Headers_over_the_limit_get_431_and_close()
    {
        using Socket s = Connect();
        Send(s, "GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + new string('a', HttpRequestParser.DefaultMaxHeaderBytes) + "\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 431 ", ReadResponse(s).Head);
        AssertOrderlyEnd(s);
        AssertStillServing();
    }

    [LinuxFact]
    public void A_slowloris_client_is_closed_after_the_header_timeout()
    {
        using Socket slow = Connect();
        Send(slow, "GET / HTTP/1.1\r\nHost: t\r\nX-Slow: "); // and nothing more
        Assert.Equal(0, slow.Receive(new byte[64])); // the server ends it (a receive timeout would fail the test)
        AssertStillServing();
    }

    [LinuxFact]
    public void A_reset_mid_request_is_absorbed()
    {
        Socket reset = Connect();
        Send(reset, "GET / HTTP/1.1\r\nHo");
        reset.LingerState = new LingerOption(true, 0);
        reset.Dispose(); // RST
        AssertStillServing();
    }

    [LinuxFact]
    public void A_half_close_after_a_request_still_gets_the_response()
    {
        using Socket s = Connect();
        Send(s, Get);
        s.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        Assert.Equal("Hello, World!", ReadResponse(s).Body);
        AssertOrderlyEnd(s);
        AssertStillServing();
    }

    [LinuxFact]
    public void A_half_close_mid_request_is_absorbed()
    {
        using Socket s = Connect();
        Send(s, "GET / HTTP/1.1\r\nHo");
        s.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        AssertOrderlyEnd(s);
        AssertStillServing();
    }

    private Socket Connect()
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 10_000, NoDelay = true };
        s.Connect(IPAddress.Loopback, _server.Port);
        return s;
    }

    private static void Send(Socket s, string text) => s.Send(Encoding.ASCII.GetBytes(text));

    private void AssertStillServing()
    {
        using Socket other = Connect();
        Send(other, Get);
        Assert.Equal("Hello, World!", ReadResponse(other).Body);
    }

    /// <summary>End of stream, not a reset: a reset would throw from Receive.</summary>
    private static void AssertOrderlyEnd(Socket s) => Assert.Equal(0, s.Receive(new byte[256]));

    /// <summary>Reads one response: its head and its Content-Length body (none for a HEAD request's).</summary>
    private static (string Head, string Body) ReadResponse(Socket s, bool head = false)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (bytes.Count < 4 || !(bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n'))
        {
            if (s.Receive(one) == 0) throw new Xunit.Sdk.XunitException($"the server closed mid-response after: {Encoding.ASCII.GetString([.. bytes])}");
            bytes.Add(one[0]);
        }
        string text = Encoding.ASCII.GetString([.. bytes]);
        int length = 0;
        foreach (string line in text.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) length = int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        if (head) length = 0;
        var body = new byte[length];
        for (int have = 0; have < length;)
        {
            int n = s.Receive(body, have, length - have, SocketFlags.None);
            if (n == 0) throw new Xunit.Sdk.XunitException("the server closed mid-body");
            have += n;
        }
        return (text, Encoding.ASCII.GetString(body));
    }
}

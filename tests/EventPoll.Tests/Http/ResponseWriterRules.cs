using System.Net;
using EventPoll.Samples.Http;
using Xunit;
using static EventPoll.Tests.Http.Http;

namespace EventPoll.Tests.Http;

/// <summary>The responses' exact bytes: status line, Content-Length, Content-Type, Date, Server, Connection, body.</summary>
public class ResponseWriterRules
{
    private const string Date = "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n";
    private readonly HttpResponseWriter _writer = new(FixedDate());

    private string Answer(string request) => Respond(_writer, Request(request));

    [Fact]
    public void Ok_KeepAlive_HasTheFieldsAndTheDefaultBody_AndNoConnectionField() => Assert.Equal(
        "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\nServer: EventPoll\r\n" + Date + "\r\nHello, World!",
        Answer("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));

    [Fact]
    public void Ok_Closing_SaysConnectionClose() => Assert.Equal(
        "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\nServer: EventPoll\r\n" + Date
            + "Connection: close\r\n\r\nHello, World!",
        Answer("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));

    [Fact]
    public void Ok_ToAnHttp10Request_ThatClosesByDefault_SaysConnectionClose() =>
        Assert.Contains("\r\nConnection: close\r\n\r\n", Answer("GET / HTTP/1.0\r\n\r\n"), StringComparison.Ordinal);

    [Fact]
    public void Ok_ToAnHttp10KeepAliveRequest_SaysConnectionKeepAlive() => Assert.Equal(
        "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\nServer: EventPoll\r\n" + Date
            + "Connection: keep-alive\r\n\r\nHello, World!",
        Answer("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));

    [Fact]
    public void Head_GetsGetsHeaders_WithoutTheBody()
    {
        string get = Answer("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(get[..^"Hello, World!".Length], Answer("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"));
    }

    [Fact]
    public void ConfiguredBody_IsSentWithItsLength()
    {
        var writer = new HttpResponseWriter(FixedDate(), "pong\n"u8);
        Assert.Equal(
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\nServer: EventPoll\r\n" + Date + "\r\npong\n",
            Respond(writer, Request("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
    }

    [Fact]
    public void NotFound_HasAnEmptyBody_AndFollowsTheRequestsPersistence()
    {
        Assert.Equal("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nServer: EventPoll\r\n" + Date + "\r\n",
            Answer("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
        Assert.Equal("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nServer: EventPoll\r\n" + Date + "Connection: close\r\n\r\n",
            Answer("GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    }

    [Fact]
    public void MethodNotAllowed_SaysWhichAreAllowed() => Assert.Equal(
        "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\nContent-Length: 0\r\nServer: EventPoll\r\n" + Date + "\r\n",
        Answer("DELETE / HTTP/1.1\r\nHost: x\r\n\r\n"));

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nBad Field: 1\r\n\r\n", "400 Bad Request")]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", "501 Not Implemented")]
    [InlineData("GET / HTTP/2.0\r\n\r\n", "505 HTTP Version Not Supported")]
    public void Rejection_HasAnEmptyBody_AndSaysConnectionClose(string request, string status) => Assert.Equal(
        $"HTTP/1.1 {status}\r\nContent-Length: 0\r\nServer: EventPoll\r\n" + Date + "Connection: close\r\n\r\n",
        Answer(request));

    [Fact]
    public void HeadTooLarge_Is431_AndSaysConnectionClose()
    {
        var parser = new HttpRequestParser(16);
        Assert.Equal(HttpParseStatus.Invalid, parser.Parse(Bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), out HttpRequest request, out _));
        Assert.Equal(
            "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nServer: EventPoll\r\n" + Date + "Connection: close\r\n\r\n",
            Respond(_writer, request));
    }

    [Fact]
    public void DestinationTooSmall_WritesNothing_AndSaysSo()
    {
        HttpRequest request = Request("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        int length = Answer("GET / HTTP/1.1\r\nHost: x\r\n\r\n").Length;
        var destination = new byte[length - 1];
        Assert.False(_writer.TryWrite(destination, request, out int written));
        Assert.Equal(0, written);
        Assert.All(destination, b => Assert.Equal(0, b));
    }

    [Fact]
    public void MaxResponseLength_IsTheLongestHeadAndEnding_PlusTheBody()
    {
        // The longest head is 405's (its Allow field), the longest ending "Connection: keep-alive"; the body is 200's.
        string longestHeadAndEnding = Answer("DELETE / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        Assert.Equal(longestHeadAndEnding.Length + "Hello, World!".Length, _writer.MaxResponseLength);
        foreach (string request in (string[])["GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "GET / HTTP/2.0\r\n\r\n", "GET /x HTTP/1.0\r\n\r\n"])
            Assert.True(Answer(request).Length < _writer.MaxResponseLength);
    }

    [Fact]
    public void DefaultRequest_HasNoStatus_AndIsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => _writer.TryWrite(new byte[512], default, out _));

    [Fact]
    public void EachResponse_CarriesTheDateHeadersCurrentValue()
    {
        var date = FixedDate();
        var writer = new HttpResponseWriter(date);
        HttpRequest request = Request("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Contains("\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n", Respond(writer, request), StringComparison.Ordinal);
        date.Refresh(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        Assert.Contains("\r\nDate: Fri, 02 Jan 2026 03:04:05 GMT\r\n", Respond(writer, request), StringComparison.Ordinal);
    }
}

using System.Net;
using EventPoll.Samples.Http;
using Xunit;
using static EventPoll.Tests.Http.Http;

namespace EventPoll.Tests.Http;

/// <summary>RFC 9112 §5 (field syntax), §3.2 (Host) and §9.3 (persistence) as the sample server applies them.</summary>
public class HeaderFieldRules
{
    private static Answer Get(string version, string fields) => ParseOne($"GET / {version}\r\n{fields}\r\n");

    [Fact]
    public void Http11_KeepsTheConnection_ByDefault() => Assert.True(Get("HTTP/1.1", "Host: x\r\n").KeepAlive);

    [Theory]
    [InlineData("Connection: close\r\n")]
    [InlineData("connection: close\r\n")] // field names are case-insensitive
    [InlineData("CONNECTION: CLOSE\r\n")] // and so are Connection's options
    [InlineData("Connection:close\r\n")] // OWS is optional
    [InlineData("Connection: \t close \t \r\n")]
    [InlineData("Connection: keep-alive, close\r\n")] // a list
    [InlineData("Connection: Upgrade,close,TE\r\n")]
    [InlineData("Connection: ,, close ,\r\n")] // empty list elements are allowed
    [InlineData("Connection: keep-alive\r\nConnection: close\r\n")] // in any number of fields
    public void Http11_ConnectionClose_Closes(string connection) =>
        Assert.False(Get("HTTP/1.1", "Host: x\r\n" + connection).KeepAlive);

    [Theory]
    [InlineData("Connection: closed\r\n")] // options are whole tokens
    [InlineData("Connection: xclose\r\n")]
    [InlineData("Connection: keep-alive\r\n")]
    [InlineData("Connection: Upgrade\r\n")]
    [InlineData("X-Connection: close\r\n")]
    [InlineData("Connection-Close: close\r\n")]
    public void Http11_WithoutACloseOption_KeepsTheConnection(string fields) =>
        Assert.True(Get("HTTP/1.1", "Host: x\r\n" + fields).KeepAlive);

    [Theory]
    [InlineData("")]
    [InlineData("Connection: Upgrade\r\n")]
    [InlineData("Connection: keep-alive-ish\r\n")]
    public void Http10_Closes_ByDefault(string fields) => Assert.False(Get("HTTP/1.0", fields).KeepAlive);

    [Theory]
    [InlineData("Connection: keep-alive\r\n")]
    [InlineData("Connection: Keep-Alive\r\n")]
    [InlineData("Connection: foo, keep-alive\r\n")]
    public void Http10_KeepAliveOption_KeepsTheConnection(string fields) => Assert.True(Get("HTTP/1.0", fields).KeepAlive);

    [Fact]
    public void Http10_CloseOutweighsKeepAlive() => Assert.False(Get("HTTP/1.0", "Connection: keep-alive, close\r\n").KeepAlive);

    [Fact]
    public void Http11_WithoutHost_Is400() => Assert.Equal(HttpStatusCode.BadRequest, Get("HTTP/1.1", "Accept: */*\r\n").Status);

    [Fact]
    public void Http11_WithTwoHosts_Is400() => Assert.Equal(HttpStatusCode.BadRequest, Get("HTTP/1.1", "Host: a\r\nhost: a\r\n").Status);

    [Fact]
    public void Http11_EmptyHost_IsAccepted() => Assert.Equal(HttpStatusCode.OK, Get("HTTP/1.1", "Host:\r\n").Status);

    [Fact]
    public void Http10_WithoutHost_IsAccepted() => Assert.Equal(HttpStatusCode.OK, Get("HTTP/1.0", "").Status);

    [Theory]
    [InlineData("Host : x\r\n")] // no whitespace between name and colon (RFC 9112 §5.1)
    [InlineData("Host\t: x\r\n")]
    [InlineData(": x\r\n")] // a name is a token, never empty
    [InlineData("Host x\r\n")] // no colon
    [InlineData("Ho st: x\r\n")]
    [InlineData("Ho(st: x\r\n")]
    [InlineData("X-A: 1\r\n b\r\n")] // obs-fold (§5.2)
    [InlineData(" X-A: 1\r\n")] // whitespace before the first field line (§2.2)
    [InlineData("X-A: a\u0000b\r\n")] // no control bytes in a value
    [InlineData("X-A: a\u001fb\r\n")]
    [InlineData("X-A: a\u007fb\r\n")]
    [InlineData("X-A: a\rb\r\n")] // a bare CR
    public void MalformedFieldLine_Is400_AndCloses(string field)
    {
        Answer a = Get("HTTP/1.1", "Host: x\r\n" + field);
        Assert.Equal((HttpParseStatus.Invalid, HttpStatusCode.BadRequest, false), (a.Outcome, a.Status, a.KeepAlive));
    }

    [Theory]
    [InlineData("X-A: caf\u00e9\r\n")] // obs-text is allowed in a value
    [InlineData("X-A: a\tb  c\r\n")]
    [InlineData("X-A:\r\n")] // an empty value
    [InlineData("X-!#$%&'*+-.^_`|~09az: v\r\n")] // every tchar class in a name
    public void WellFormedFieldLine_IsAccepted(string field) =>
        Assert.Equal(HttpStatusCode.OK, Get("HTTP/1.1", "Host: x\r\n" + field).Status);
}

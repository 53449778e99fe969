using System.Net;
using EventPoll.Samples.Http;
using Xunit;
using static EventPoll.Tests.Http.Http;

namespace EventPoll.Tests.Http;

/// <summary>RFC 9112 §2-3 as the sample server applies them: which request lines it serves, which it refuses, how.</summary>
public class RequestLineRules
{
    [Fact]
    public void GetRoot_Http11_IsOk_AndKeepsTheConnection()
    {
        Answer a = ParseOne("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(new Answer(HttpParseStatus.Complete, HttpStatusCode.OK, HttpMethodKind.Get, true, 1, true, 0), a);
    }

    [Fact]
    public void HeadRoot_IsOk_AndMarkedHead()
    {
        Answer a = ParseOne("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal((HttpStatusCode.OK, HttpMethodKind.Head), (a.Status, a.Method));
    }

    [Theory]
    [InlineData("/?")]
    [InlineData("/?a=1&b=2")]
    public void RootWithAQuery_IsTheRoot(string target)
    {
        Answer a = ParseOne($"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal((HttpStatusCode.OK, true), (a.Status, a.TargetIsRoot));
    }

    [Theory]
    [InlineData("GET", "/index.html")]
    [InlineData("GET", "//")]
    [InlineData("HEAD", "/x")]
    [InlineData("POST", "/x")]
    [InlineData("GET", "http://x/")] // absolute-form is not served
    [InlineData("OPTIONS", "*")]
    public void AnyMethodOnAnotherTarget_IsNotFound_AndKeepsTheConnection(string method, string target)
    {
        Answer a = ParseOne($"{method} {target} HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal((HttpParseStatus.Complete, HttpStatusCode.NotFound, false, true), (a.Outcome, a.Status, a.TargetIsRoot, a.KeepAlive));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("OPTIONS")]
    [InlineData("get")] // methods are case-sensitive (RFC 9110 §9.1)
    [InlineData("GETS")]
    public void AnotherMethodOnRoot_IsMethodNotAllowed_AndKeepsTheConnection(string method)
    {
        Answer a = ParseOne($"{method} / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal((HttpParseStatus.Complete, HttpStatusCode.MethodNotAllowed, HttpMethodKind.Other, true),
            (a.Outcome, a.Status, a.Method, a.KeepAlive));
    }

    [Fact]
    public void Http10_IsMinorVersionZero()
    {
        Answer a = ParseOne("GET / HTTP/1.0\r\n\r\n");
        Assert.Equal((HttpStatusCode.OK, 0), (a.Status, a.MinorVersion));
    }

    [Fact]
    public void LaterHttp1Minor_IsServedAsHttp11()
    {
        Answer a = ParseOne("GET / HTTP/1.7\r\nHost: x\r\n\r\n");
        Assert.Equal((HttpStatusCode.OK, 1, true), (a.Status, a.MinorVersion, a.KeepAlive));
    }

    [Theory]
    [InlineData("HTTP/2.0")]
    [InlineData("HTTP/0.9")]
    [InlineData("HTTP/3.1")]
    public void WellFormedVersionWithAnotherMajor_Is505_AndCloses(string version)
    {
        Answer a = ParseOne($"GET / {version}\r\nHost: x\r\n\r\n");
        Assert.Equal((HttpParseStatus.Invalid, HttpStatusCode.HttpVersionNotSupported, false), (a.Outcome, a.Status, a.KeepAlive));
    }

    [Theory]
    [InlineData("GET /")] // HTTP/0.9's form: no version
    [InlineData("GET / ")]
    [InlineData("GET  / HTTP/1.1")] // one SP between parts, not more (RFC 9112 §3)
    [InlineData("GET / HTTP/1.1 ")]
    [InlineData(" GET / HTTP/1.1")]
    [InlineData("GET\t/ HTTP/1.1")]
    [InlineData("GET / http/1.1")] // the version's name is case-sensitive
    [InlineData("GET / HTTP/1.10")]
    [InlineData("GET / HTTP/1")]
    [InlineData("GET / HTTP/1.x")]
    [InlineData("GET / HTTP/x.1")]
    [InlineData("G(T / HTTP/1.1")] // a method is a token
    [InlineData("/ HTTP/1.1")]
    [InlineData("GET /a\u0001b HTTP/1.1")] // no controls in the target
    [InlineData("GET /a\u007fb HTTP/1.1")]
    [InlineData("GET /\u00c3\u00a9 HTTP/1.1")] // nor raw non-ASCII
    [InlineData("GET / HTTP/1.1\rX")] // a bare CR is no line end
    public void MalformedRequestLine_Is400_AndCloses(string requestLine)
    {
        Answer a = ParseOne(requestLine + "\r\nHost: x\r\n\r\n");
        Assert.Equal((HttpParseStatus.Invalid, HttpStatusCode.BadRequest, false), (a.Outcome, a.Status, a.KeepAlive));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\nHost: x\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\n")]
    [InlineData("\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")]
    public void BareLineFeed_Is400(string input)
    {
        Answer a = ParseOne(input);
        Assert.Equal((HttpParseStatus.Invalid, HttpStatusCode.BadRequest), (a.Outcome, a.Status));
    }

    [Fact]
    public void EmptyLinesBeforeTheRequestLine_AreIgnored()
    {
        Answer a = ParseOne("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal((HttpParseStatus.Complete, HttpStatusCode.OK), (a.Outcome, a.Status));
    }

    [Fact]
    public void AfterARejection_EveryCallRepeatsIt_AndResetForgetsIt_KeepingTheLimit()
    {
        var parser = new HttpRequestParser(64);
        Assert.Equal(HttpParseStatus.Invalid, parser.Parse(Bytes("BAD\r\n"), out HttpRequest first, out _));
        Assert.Equal(HttpParseStatus.Invalid, parser.Parse(Bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), out HttpRequest again, out int consumed));
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, 0), (first.Status, again.Status, consumed));

        parser.Reset();
        Assert.Equal(64, parser.MaxHeaderBytes);
        Assert.Equal(HttpParseStatus.Complete, parser.Parse(Bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), out HttpRequest ok, out _));
        Assert.Equal(HttpStatusCode.OK, ok.Status);
    }

    [Fact]
    public void EmptyInput_NeedsMoreData_AndConsumesNothing()
    {
        var parser = new HttpRequestParser();
        Assert.Equal(HttpParseStatus.NeedMoreData, parser.Parse([], out _, out int consumed));
        Assert.Equal(0, consumed);
    }
}

using System.Net;
using EventPoll.Samples.Http;
using Xunit;
using static EventPoll.Tests.Http.Http;

namespace EventPoll.Tests.Http;

/// <summary>RFC 9112 §6: Content-Length bodies are skipped, even across reads; Transfer-Encoding is refused (501).</summary>
public class BodyRules
{
    // The body holds a whole request: if its bytes were parsed as a request there would be three answers, not two.
    private const string RequestAsBody = "GET /x HTTP/1.1\r\nHost: x\r\n\r\n....";
    private static readonly string PostWithBody = $"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {RequestAsBody.Length}\r\n\r\n{RequestAsBody}";
    private const string Get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

    [Fact]
    public void ContentLengthBody_IsSkipped_AndTheNextRequestParsed()
    {
        var fed = new FedParser();
        fed.Feed(Bytes(PostWithBody + Get));
        Assert.Equal(
            [(HttpStatusCode.MethodNotAllowed, (long)RequestAsBody.Length, true), (HttpStatusCode.OK, 0L, true)],
            fed.Answers.Select(a => (a.Status, a.ContentLength, a.KeepAlive)));
        Assert.Equal(PostWithBody.Length + Get.Length, fed.Consumed);
    }

    [Fact]
    public void BodyArrivingInLaterReads_IsConsumedAsItComes()
    {
        var parser = new HttpRequestParser();
        byte[] head = Bytes("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n");
        Assert.Equal(HttpParseStatus.Complete, parser.Parse([.. head, .. "abc"u8], out HttpRequest request, out int consumed));
        Assert.Equal((HttpStatusCode.NotFound, 10L, head.Length + 3), (request.Status, request.ContentLength, consumed));

        Assert.Equal(HttpParseStatus.NeedMoreData, parser.Parse("defg"u8, out _, out consumed));
        Assert.Equal(4, consumed);
        // The last three body bytes and a request after them, in one read.
        Assert.Equal(HttpParseStatus.Complete, parser.Parse(Bytes("hij" + Get), out request, out consumed));
        Assert.Equal((HttpStatusCode.OK, 3 + Get.Length), (request.Status, consumed));
    }

    [Fact]
    public void HugeContentLength_IsSkippedReadByRead()
    {
        var parser = new HttpRequestParser();
        Assert.Equal(HttpParseStatus.Complete,
            parser.Parse(Bytes("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999999999\r\n\r\n"), out HttpRequest request, out _));
        Assert.Equal(999_999_999_999_999_999L, request.ContentLength);
        var read = new byte[4096];
        read.AsSpan().Fill((byte)'\n'); // bytes that would be a bare LF error if they were parsed as a head
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(HttpParseStatus.NeedMoreData, parser.Parse(read, out _, out int consumed));
            Assert.Equal(read.Length, consumed);
        }
    }

    [Theory]
    [InlineData("Content-Length: 0\r\n", 0)]
    [InlineData("Content-Length: 000\r\n", 0)]
    [InlineData("Content-Length: 4\r\ncontent-length: 4\r\n", 4)] // the same length twice is one length
    public void ContentLengthThatAgrees_IsAccepted(string fields, int length)
    {
        var fed = new FedParser();
        fed.Feed(Bytes($"POST / HTTP/1.1\r\nHost: x\r\n{fields}\r\n" + new string('b', length) + Get));
        Assert.Equal([HttpStatusCode.MethodNotAllowed, HttpStatusCode.OK], fed.Answers.Select(a => a.Status));
    }

    [Theory]
    [InlineData("Content-Length: \r\n")]
    [InlineData("Content-Length: -1\r\n")]
    [InlineData("Content-Length: +1\r\n")]
    [InlineData("Content-Length: 1.0\r\n")]
    [InlineData("Content-Length: 0x10\r\n")]
    [InlineData("Content-Length: 5, 5\r\n")] // a list is refused, even of equal lengths
    [InlineData("Content-Length: 1 2\r\n")]
    [InlineData("Content-Length: 1000000000000000000\r\n")] // 19 digits
    [InlineData("Content-Length: 4\r\nContent-Length: 5\r\n")] // differing lengths leave the framing unknown
    public void ContentLengthThatIsNotOneLength_Is400_AndCloses(string fields)
    {
        Answer a = ParseOne($"POST / HTTP/1.1\r\nHost: x\r\n{fields}\r\n");
        Assert.Equal((HttpParseStatus.Invalid, HttpStatusCode.BadRequest, false), (a.Outcome, a.Status, a.KeepAlive));
    }

    [Theory]
    [InlineData("Transfer-Encoding: chunked\r\n")]
    [InlineData("transfer-encoding: gzip, chunked\r\n")]
    [InlineData("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n")]
    [InlineData("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n")]
    public void TransferEncoding_Is501_AndCloses(string fields)
    {
        Answer a = ParseOne($"POST / HTTP/1.1\r\nHost: x\r\n{fields}\r\n0\r\n\r\n");
        Assert.Equal((HttpParseStatus.Invalid, HttpStatusCode.NotImplemented, false), (a.Outcome, a.Status, a.KeepAlive));
    }
}

using EventPoll.Samples.Http;
using Xunit;
using static EventPoll.Tests.Http.Http;

namespace EventPoll.Tests.Http;

/// <summary>
/// A request split across reads at any byte boundary parses as it does in one read: the same answers in the same
/// order and the same bytes consumed. Checked exhaustively for every one and every two cut points, and one byte per read.
/// </summary>
public class SplitReadRules
{
    private const int SmallLimit = 80;

    /// <summary>Name, input, head limit.</summary>
    public static TheoryData<string, string, int> Inputs => new()
    {
        { "wrk's request", "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n", HttpRequestParser.DefaultMaxHeaderBytes },
        {
            "pipelined, with a body",
            "GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n"
                + "POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 14\r\n\r\nGET / HTTP/1.1"
                + "HEAD / HTTP/1.1\r\nhost: x\r\n\r\n"
                + "GET /?q HTTP/1.1\r\nHost: x\r\nConnection: te, close\r\n\r\n",
            HttpRequestParser.DefaultMaxHeaderBytes
        },
        { "HTTP/1.0 keep-alive after empty lines", "\r\n\r\nGET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", HttpRequestParser.DefaultMaxHeaderBytes },
        { "a good request, then a bad field", "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n", HttpRequestParser.DefaultMaxHeaderBytes },
        { "a good request, then a head past the limit", "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nX-Long: " + new string('l', SmallLimit) + "\r\n\r\n", SmallLimit },
        { "Transfer-Encoding", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", HttpRequestParser.DefaultMaxHeaderBytes },
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void EveryCutPoint_ParsesAsOneRead(string name, string text, int limit)
    {
        byte[] input = Bytes(text);
        FedParser whole = Reference(input, limit);
        for (int cut = 0; cut <= input.Length; cut++)
            AssertSame(name, whole, FedParser.FeedInPieces(input, [cut], limit), $"cut at {cut}");
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void EveryPairOfCutPoints_ParsesAsOneRead(string name, string text, int limit)
    {
        byte[] input = Bytes(text);
        FedParser whole = Reference(input, limit);
        for (int first = 0; first <= input.Length; first++)
        for (int second = first; second <= input.Length; second++)
            AssertSame(name, whole, FedParser.FeedInPieces(input, [first, second], limit), $"cuts at {first} and {second}");
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void OneBytePerRead_ParsesAsOneRead(string name, string text, int limit)
    {
        byte[] input = Bytes(text);
        int[] everyByte = Enumerable.Range(1, input.Length).ToArray();
        AssertSame(name, Reference(input, limit), FedParser.FeedInPieces(input, everyByte, limit), "one byte per read");
    }

    private static FedParser Reference(byte[] input, int limit)
    {
        var whole = new FedParser(limit);
        whole.Feed(input);
        Assert.NotEmpty(whole.Answers);
        return whole;
    }

    private static void AssertSame(string name, FedParser expected, FedParser actual, string how)
    {
        Assert.True(expected.Answers.SequenceEqual(actual.Answers),
            $"{name}, {how}: [{string.Join(", ", actual.Answers)}] instead of [{string.Join(", ", expected.Answers)}]");
        // After a rejection the connection closes, so how much was consumed no longer matters.
        if (!expected.Rejected) Assert.True(expected.Consumed == actual.Consumed, $"{name}, {how}: consumed {actual.Consumed}, not {expected.Consumed}");
    }
}

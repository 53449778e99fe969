using EventPoll.Samples.Http;
using Xunit;
using static EventPoll.Tests.Http.Http;

namespace EventPoll.Tests.Http;

/// <summary>Parsing a request and writing its response allocates nothing in the steady state (issue 15's 0 B per request).</summary>
public class AllocationRules
{
    [Fact]
    public void ParseAndWrite_SteadyState_AllocatesNothing()
    {
        // Every kind of request the server answers without closing, pipelined, and split mid-request as reads split it.
        byte[] input = Bytes(
            "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"
            + "GET /?q=1 HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nAccept: */*\r\nUser-Agent: test\r\n\r\n"
            + "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /missing HTTP/1.1\r\nHost: x\r\n\r\n"
            + "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
            + "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        int half = input.Length / 2 + 7;
        var date = new DateHeader();
        var writer = new HttpResponseWriter(date);
        var output = new byte[16 * writer.MaxResponseLength];
        var parser = new HttpRequestParser();

        int perRound = ServeInTwoReads(ref parser, writer, input, half, output);
        Assert.Equal(6, Text(output.AsSpan(0, perRound)).Split("HTTP/1.1 ").Length - 1);
        long written = 0;
        for (int i = 0; i < 1_000; i++) written += ServeInTwoReads(ref parser, writer, input, half, output); // warm-up (JIT, tiering)
        date.Refresh();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20_000; i++) written += ServeInTwoReads(ref parser, writer, input, half, output);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(21_000L * perRound, written);
        Assert.Equal(0, allocated);
    }

    /// <summary>Answers <paramref name="input"/> delivered in two reads; the bytes written, or -1 if either read did
    /// not end needing more (no assertion here: the measured loop must run only the server's code).</summary>
    private static int ServeInTwoReads(ref HttpRequestParser parser, HttpResponseWriter writer, byte[] input, int cut, byte[] output)
    {
        HttpPipelineResult a = HttpPipeline.Respond(ref parser, writer, input.AsSpan(0, cut), output, out int consumed, out int first);
        HttpPipelineResult b = HttpPipeline.Respond(ref parser, writer, input.AsSpan(consumed), output.AsSpan(first), out _, out int second);
        return a == HttpPipelineResult.NeedMoreData && b == HttpPipelineResult.NeedMoreData ? first + second : -1;
    }
}

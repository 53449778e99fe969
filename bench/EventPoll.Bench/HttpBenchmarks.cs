using System.Text;
using BenchmarkDotNet.Attributes;
using EventPoll.Samples.Http;

namespace EventPoll.Bench;

/// <summary>
/// The HTTP sample's protocol cost per request: parse a request and write its response, no I/O. A reference for the
/// server CPU per request that issue 15's `bench http` measures end to end (nginx: ~8 us per keep-alive request).
/// </summary>
[MemoryDiagnoser]
public class HttpBenchmarks
{
    private const int Pipelined = 16;

    // wrk's request, as the `bench http` load sends it.
    private static readonly byte[] Wrk = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n");
    private static readonly byte[] WrkClose = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: close\r\n\r\n");

    // TechEmpower's plaintext request (its headers; the path is the sample's /), 16 in one read as its load pipelines them.
    private static readonly byte[] TechEmpowerPipelined = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(
        "GET / HTTP/1.1\r\nHost: server\r\n"
        + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20130501 Firefox/30.0 AppleWebKit/600.00 Chrome/30.0.0000.0 Trident/10.0 Safari/600.00\r\n"
        + "Cookie: uid=12345678901234567890; __utma=1.1234567890.1234567890.1234567890.1234567890.12; wd=2560x1600\r\n"
        + "Accept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7\r\n"
        + "Accept-Language: en-US,en;q=0.5\r\nConnection: keep-alive\r\n\r\n", Pipelined)));

    private readonly HttpResponseWriter _writer = new(new DateHeader());
    private readonly byte[] _output = new byte[Pipelined * 256];
    private HttpRequestParser _parser;

    /// <summary>One keep-alive request: parse, write.</summary>
    [Benchmark]
    public int WrkRequest()
    {
        _parser.Parse(Wrk, out HttpRequest request, out _);
        _writer.TryWrite(_output, request, out int written);
        return written;
    }

    /// <summary>One request per connection: parse, write, reset the parser for the next connection.</summary>
    [Benchmark]
    public int WrkRequestThenClose()
    {
        _parser.Parse(WrkClose, out HttpRequest request, out _);
        _writer.TryWrite(_output, request, out int written);
        _parser.Reset();
        return written;
    }

    /// <summary>Sixteen pipelined TechEmpower requests through <see cref="HttpPipeline"/>; per request.</summary>
    [Benchmark(OperationsPerInvoke = Pipelined)]
    public int TechEmpowerPipelinedRequest()
    {
        HttpPipeline.Respond(ref _parser, _writer, TechEmpowerPipelined, _output, out _, out int written);
        return written;
    }
}

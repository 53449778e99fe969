using System.Net;
using EventPoll.Samples.Http;
using Xunit;
using static EventPoll.Tests.Http.Http;

namespace EventPoll.Tests.Http;

/// <summary>RFC 9112 §9.3.2: pipelined requests are answered in the order they came; a closing response ends the pipeline.</summary>
public class PipelineRules
{
    private const string Get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    private const string GetMissing = "GET /missing HTTP/1.1\r\nHost: x\r\n\r\n";
    private const string Head = "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n";
    private const string Post = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
    private const string GetClose = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

    private readonly HttpResponseWriter _writer = new(FixedDate());
    private HttpRequestParser _parser;

    /// <summary>The response to <paramref name="request"/> alone, from a fresh parser.</summary>
    private string Alone(string request) => Respond(_writer, Request(request));

    [Fact]
    public void PipelinedRequests_AreAnsweredInOrder()
    {
        byte[] input = Bytes(Get + GetMissing + Head + Post + Get);
        var output = new byte[8 * _writer.MaxResponseLength];
        HttpPipelineResult result = HttpPipeline.Respond(ref _parser, _writer, input, output, out int consumed, out int written);
        Assert.Equal((HttpPipelineResult.NeedMoreData, input.Length), (result, consumed));
        Assert.Equal(Alone(Get) + Alone(GetMissing) + Alone(Head) + Alone(Post) + Alone(Get), Text(output.AsSpan(0, written)));
    }

    [Fact]
    public void PartialRequestAtTheEnd_IsLeftForTheNextRead()
    {
        byte[] input = Bytes(Get + Get[..10]);
        var output = new byte[4 * _writer.MaxResponseLength];
        Assert.Equal(HttpPipelineResult.NeedMoreData, HttpPipeline.Respond(ref _parser, _writer, input, output, out int consumed, out int written));
        Assert.Equal(Get.Length, consumed);
        Assert.Equal(Alone(Get), Text(output.AsSpan(0, written)));

        byte[] rest = Bytes(Get[..10] + Get[10..]);
        Assert.Equal(HttpPipelineResult.NeedMoreData, HttpPipeline.Respond(ref _parser, _writer, rest, output, out consumed, out written));
        Assert.Equal((rest.Length, Alone(Get)), (consumed, Text(output.AsSpan(0, written))));
    }

    [Fact]
    public void ClosingResponse_EndsThePipeline_AndLaterRequestsAreNotRead()
    {
        byte[] input = Bytes(Get + GetClose + Get);
        var output = new byte[8 * _writer.MaxResponseLength];
        HttpPipelineResult result = HttpPipeline.Respond(ref _parser, _writer, input, output, out int consumed, out int written);
        Assert.Equal((HttpPipelineResult.Close, Get.Length + GetClose.Length), (result, consumed));
        Assert.Equal(Alone(Get) + Alone(GetClose), Text(output.AsSpan(0, written)));
    }

    [Fact]
    public void Rejection_EndsThePipeline_AfterTheAnswersBeforeIt()
    {
        byte[] input = Bytes(Get + "GET / HTTP/1.1\r\nHost: x\r\nBad Field: 1\r\n\r\n" + Get);
        var output = new byte[8 * _writer.MaxResponseLength];
        Assert.Equal(HttpPipelineResult.Close, HttpPipeline.Respond(ref _parser, _writer, input, output, out _, out int written));
        string answers = Text(output.AsSpan(0, written));
        Assert.StartsWith(Alone(Get) + "HTTP/1.1 400 Bad Request\r\n", answers, StringComparison.Ordinal);
        Assert.EndsWith("Connection: close\r\n\r\n", answers, StringComparison.Ordinal);
    }

    [Fact]
    public void FullOutput_StopsBeforeParsing_AndTheNextCallGoesOnInOrder()
    {
        string[] requests = [Get, GetMissing, Head, Post, Get];
        byte[] input = Bytes(string.Concat(requests));
        var output = new byte[2 * _writer.MaxResponseLength];
        var answers = new System.Text.StringBuilder();
        int start = 0, calls = 0;
        HttpPipelineResult result;
        do
        {
            result = HttpPipeline.Respond(ref _parser, _writer, input.AsSpan(start), output, out int consumed, out int written);
            start += consumed;
            answers.Append(Text(output.AsSpan(0, written)));
            calls++;
        } while (result == HttpPipelineResult.OutputFull);

        Assert.Equal((HttpPipelineResult.NeedMoreData, input.Length, 3), (result, start, calls)); // 2 + 2 + 1 answers
        Assert.Equal(string.Concat(requests.Select(Alone)), answers.ToString());
    }

    [Fact]
    public void NoInput_NeedsMoreData_AndWritesNothing()
    {
        Assert.Equal(HttpPipelineResult.NeedMoreData, HttpPipeline.Respond(ref _parser, _writer, [], new byte[1], out int consumed, out int written));
        Assert.Equal((0, 0), (consumed, written));
    }

    [Fact]
    public void RequestsOfThePipeline_ClassifyAsEachDoesAlone()
    {
        var fed = new FedParser();
        fed.Feed(Bytes(Get + GetMissing + Head + Post + GetClose));
        Assert.Equal(
            [
                (HttpStatusCode.OK, HttpMethodKind.Get, true), (HttpStatusCode.NotFound, HttpMethodKind.Get, true),
                (HttpStatusCode.OK, HttpMethodKind.Head, true), (HttpStatusCode.MethodNotAllowed, HttpMethodKind.Other, true),
                (HttpStatusCode.OK, HttpMethodKind.Get, false),
            ],
            fed.Answers.Select(a => (a.Status, a.Method, a.KeepAlive)));
    }
}

using System.Net;
using System.Text;
using EventPoll.Samples.Http;
using Xunit;

namespace EventPoll.Tests.Http;

/// <summary>One parse outcome that answers something (Complete or Invalid), as comparable values.</summary>
internal readonly record struct Answer(HttpParseStatus Outcome, HttpStatusCode Status, HttpMethodKind Method, bool TargetIsRoot,
    int MinorVersion, bool KeepAlive, long ContentLength)
{
    public static Answer Of(HttpParseStatus outcome, in HttpRequest r) =>
        new(outcome, r.Status, r.Method, r.TargetIsRoot, r.MinorVersion, r.KeepAlive, r.ContentLength);
}

/// <summary>
/// A parser fed the way a connection feeds it: each read is appended to the bytes it has not consumed, and it parses
/// until it needs more or rejects the input (after which a server closes, so feeding stops counting).
/// </summary>
internal sealed class FedParser
{
    private HttpRequestParser _parser;
    private byte[] _unconsumed = [];

    public FedParser(int maxHeaderBytes = HttpRequestParser.DefaultMaxHeaderBytes) => _parser = new HttpRequestParser(maxHeaderBytes);

    public List<Answer> Answers { get; } = [];

    /// <summary>All bytes consumed so far (head lines, skipped body bytes).</summary>
    public long Consumed { get; private set; }

    public bool Rejected { get; private set; }

    /// <summary>The status of the last Parse call.</summary>
    public HttpParseStatus Feed(ReadOnlySpan<byte> read)
    {
        _unconsumed = [.. _unconsumed, .. read];
        while (true)
        {
            HttpParseStatus status = _parser.Parse(_unconsumed, out HttpRequest request, out int consumed);
            Assert.InRange(consumed, 0, _unconsumed.Length);
            _unconsumed = _unconsumed[consumed..];
            Consumed += consumed;
            if (status == HttpParseStatus.NeedMoreData) return status;
            Answers.Add(Answer.Of(status, request));
            if (status == HttpParseStatus.Invalid)
            {
                Rejected = true;
                return status;
            }
        }
    }

    /// <summary>Feeds <paramref name="input"/> cut at the given offsets (ascending), one read per piece.</summary>
    public static FedParser FeedInPieces(byte[] input, ReadOnlySpan<int> cuts, int maxHeaderBytes = HttpRequestParser.DefaultMaxHeaderBytes)
    {
        var fed = new FedParser(maxHeaderBytes);
        int start = 0;
        foreach (int cut in cuts)
        {
            if (fed.Rejected) return fed;
            fed.Feed(input.AsSpan(start, cut - start));
            start = cut;
        }
        if (!fed.Rejected) fed.Feed(input.AsSpan(start));
        return fed;
    }
}

internal static class Http
{
    /// <summary>The bytes of <paramref name="text"/>, whose line ends are written \r\n (Latin-1, so \xNN is a byte).</summary>
    public static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    public static string Text(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    /// <summary>Parses <paramref name="input"/> in one read and returns the single answer it gives.</summary>
    public static Answer ParseOne(string input, int maxHeaderBytes = HttpRequestParser.DefaultMaxHeaderBytes)
    {
        var fed = new FedParser(maxHeaderBytes);
        fed.Feed(Bytes(input));
        return Assert.Single(fed.Answers);
    }

    /// <summary>Sun, 06 Nov 1994 08:49:37 GMT: RFC 9110's example date.</summary>
    public static DateHeader FixedDate() => new(new DateTime(1994, 11, 6, 8, 49, 37, DateTimeKind.Utc));

    /// <summary>The text of the response <paramref name="writer"/> writes for <paramref name="request"/>.</summary>
    public static string Respond(HttpResponseWriter writer, in HttpRequest request)
    {
        var buffer = new byte[writer.MaxResponseLength];
        Assert.True(writer.TryWrite(buffer, request, out int written));
        return Text(buffer.AsSpan(0, written));
    }

    /// <summary>The request the parser makes of <paramref name="input"/>, which must be one complete request.</summary>
    public static HttpRequest Request(string input)
    {
        var parser = new HttpRequestParser();
        Assert.NotEqual(HttpParseStatus.NeedMoreData, parser.Parse(Bytes(input), out HttpRequest request, out _));
        return request;
    }
}

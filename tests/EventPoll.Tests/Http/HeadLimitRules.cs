using System.Net;
using EventPoll.Samples.Http;
using Xunit;
using static EventPoll.Tests.Http.Http;

namespace EventPoll.Tests.Http;

/// <summary>
/// The head limit: a request head (request line, field lines, the empty line, and any empty lines before it) longer
/// than <see cref="HttpRequestParser.MaxHeaderBytes"/> gets 431 as soon as the received bytes pass it; a client
/// sending a head slowly (slowloris) is told "need more" up to the limit and 431 past it (its timeout is the
/// reactor's business).
/// </summary>
public class HeadLimitRules
{
    private const int Limit = 100;

    /// <summary>A complete head of exactly <paramref name="length"/> bytes.</summary>
    private static string HeadOf(int length)
    {
        const string Start = "GET / HTTP/1.1\r\nHost: x\r\nX: ", End = "\r\n\r\n";
        return Start + new string('p', length - Start.Length - End.Length) + End;
    }

    [Fact]
    public void DefaultLimit_Is8KiB()
    {
        Assert.Equal(8192, default(HttpRequestParser).MaxHeaderBytes);
        Assert.Equal(8192, new HttpRequestParser().MaxHeaderBytes);
        Assert.Equal(HttpStatusCode.OK, ParseOne(HeadOf(8192)).Status);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, ParseOne(HeadOf(8193)).Status);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void LimitBelowOne_IsRefused(int limit) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new HttpRequestParser(limit));

    [Fact]
    public void HeadOfExactlyTheLimit_IsAccepted()
    {
        Assert.Equal(HttpStatusCode.OK, ParseOne(HeadOf(Limit), Limit).Status);
        FedParser byteByByte = FeedByteByByte(Bytes(HeadOf(Limit)), Limit, out _);
        Assert.Equal(HttpStatusCode.OK, Assert.Single(byteByByte.Answers).Status);
    }

    [Fact]
    public void HeadOneByteOverTheLimit_Is431_AndCloses()
    {
        Answer a = ParseOne(HeadOf(Limit + 1), Limit);
        Assert.Equal((HttpParseStatus.Invalid, HttpStatusCode.RequestHeaderFieldsTooLarge, false), (a.Outcome, a.Status, a.KeepAlive));
    }

    [Fact]
    public void TheLimitIsPerRequest_NotPerConnection()
    {
        var fed = new FedParser(Limit);
        fed.Feed(Bytes(HeadOf(Limit) + HeadOf(Limit) + HeadOf(Limit)));
        Assert.Equal(3, fed.Answers.Count(a => a.Status == HttpStatusCode.OK));
    }

    [Fact]
    public void Slowloris_AFieldLineThatNeverEnds_NeedsMoreUpToTheLimit_Then431()
    {
        byte[] endless = Bytes("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + new string('z', 2 * Limit));
        FeedByteByByte(endless, Limit, out int rejectedAt);
        Assert.Equal(Limit + 1, rejectedAt); // the first byte past the limit, not later, not sooner
    }

    [Fact]
    public void Slowloris_ARequestLineThatNeverEnds_NeedsMoreUpToTheLimit_Then431()
    {
        byte[] endless = Bytes("GET /" + new string('a', 2 * Limit));
        FeedByteByByte(endless, Limit, out int rejectedAt);
        Assert.Equal(Limit + 1, rejectedAt);
    }

    [Fact]
    public void Slowloris_FieldLinesThatNeverEndTheHead_Are431AtTheDefaultLimit()
    {
        string line = "X-Slow: 1\r\n";
        byte[] endless = Bytes("GET / HTTP/1.1\r\n" + string.Concat(Enumerable.Repeat(line, 8192 / line.Length + 2)));
        FedParser fed = FeedByteByByte(endless, HttpRequestParser.DefaultMaxHeaderBytes, out int rejectedAt);
        Assert.Equal(8193, rejectedAt);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, Assert.Single(fed.Answers).Status);
    }

    [Fact]
    public void EmptyLinesBeforeTheRequestLine_CountTowardTheLimit()
    {
        Answer a = ParseOne(string.Concat(Enumerable.Repeat("\r\n", Limit / 2 + 1)), Limit);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, a.Status);
    }

    /// <summary>
    /// Feeds <paramref name="input"/> one byte per read; every byte before the rejection must be "need more", and the
    /// bytes the parser left unconsumed are never more than the line being received.
    /// </summary>
    private static FedParser FeedByteByByte(byte[] input, int limit, out int rejectedAt)
    {
        var fed = new FedParser(limit);
        rejectedAt = -1;
        for (int i = 0; i < input.Length; i++)
        {
            if (fed.Feed(input.AsSpan(i, 1)) == HttpParseStatus.Invalid)
            {
                rejectedAt = i + 1;
                return fed;
            }
            int lineStart = input.AsSpan(0, i + 1).LastIndexOf((byte)'\n') + 1;
            Assert.Equal(lineStart, fed.Consumed);
            if (fed.Answers.Count > 0) return fed;
        }
        return fed;
    }
}

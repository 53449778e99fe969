using EventPoll.Trace;
using Xunit;

namespace EventPoll.Tests.Traces;

public class TraceParserTests
{
    [Theory]
    [InlineData("frobnicate x", 1, "unknown command 'frobnicate'")]
    [InlineData("# c\n\neventfd", 3, "eventfd: missing NAME")]
    [InlineData("eventfd 1e", 1, "invalid name '1e'")]
    [InlineData("eventfd e 5 semaphore extra", 1, "unexpected argument 'extra'")]
    [InlineData("eventfd e -1", 1, "INIT '-1'")]
    [InlineData("eventfd e 4294967296", 1, "INIT '4294967296'")]
    [InlineData("epoll ep\nctl ep add", 2, "ctl: missing TARGET")]
    [InlineData("ctl ep put e", 1, "unknown operation 'put'")]
    [InlineData("ctl ep add e IN|BOGUS", 1, "unknown event flag 'BOGUS'")]
    [InlineData("ctl ep add e IN|", 1, "unknown event flag ''")]
    [InlineData("ctl ep add e 0xzz", 1, "unknown event flag '0xzz'")]
    [InlineData("ctl ep add e IN 18446744073709551616", 1, "DATA '18446744073709551616'")]
    [InlineData("ctl ep add e IN -1", 1, "DATA '-1'")]
    [InlineData("shutdown s both", 1, "unknown direction 'both'")]
    [InlineData("wait ep 8", 1, "wait: missing TIMEOUT_MS")]
    [InlineData("wait ep x 0", 1, "MAXEVENTS 'x'")]
    [InlineData("pipe p p", 1, "the two names must differ")]
    [InlineData("write w", 1, "write: missing N")]
    public void Malformed_lines_are_located_errors(string text, int line, string fragment)
    {
        var e = Assert.Throws<TraceException>(() => TraceParser.Parse("bad.trace", text));
        Assert.Equal(line, e.Line);
        Assert.StartsWith($"bad.trace:{line}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("close nope", "unknown name 'nope'")]
    [InlineData("eventfd e\neventfd e", "name 'e' is still open")]
    [InlineData("eventfd e\ndup e e", "name 'e' is still open")]
    [InlineData("eventfd e\nclose e\neventfd e\npipe e f", "name 'e' is still open")]
    public void Name_errors_are_located_at_run_time(string text, string fragment)
    {
        TraceFile trace = TraceParser.Parse("names.trace", text);
        using var backend = new RecordingBackend();
        var e = Assert.Throws<TraceException>(() => TraceRunner.Run(trace, backend));
        Assert.Equal(text.Split('\n').Length, e.Line);
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Comments_blanks_and_spacing_do_not_show()
    {
        TraceFile trace = TraceParser.Parse("t.trace", "  # header\r\n\teventfd   e  7\tsemaphore # trailing\r\n\n");
        TraceCommand c = Assert.Single(trace.Commands);
        Assert.Equal(2, c.Line);
        Assert.Equal("eventfd e 7 semaphore", c.Text);
        Assert.Equal(7u, c.Initial);
        Assert.True(c.Semaphore);
    }

    [Fact]
    public void Ctl_defaults_events_and_data_to_zero()
    {
        TraceCommand c = Assert.Single(TraceParser.Parse("t", "ctl ep del e").Commands);
        Assert.Equal((2, EpollEvents.None, 0ul), (c.Op, c.Events, c.Data));
    }

    [Fact]
    public void Closed_names_stand_for_minus_one()
    {
        TraceFile trace = TraceParser.Parse("t.trace", "eventfd e\nclose e\nclose e\nwrite e 1\neventfd e");
        using var backend = new RecordingBackend();
        List<TraceLine> lines = TraceRunner.Run(trace, backend);
        Assert.Equal(["close(3)", "close(-1)", "write(-1, 1 bytes)"], backend.Calls.Where(c => !c.StartsWith("eventfd", StringComparison.Ordinal)));
        Assert.Equal("close e => err EBADF", lines[3].Text);
    }
}

using EventPoll.Trace;
using Xunit;

namespace EventPoll.Tests.Traces;

/// <summary>The <c>repeat</c> command and the bytes of byte writes and <c>read ... bytes</c> (docs/trace-format.md).</summary>
public class RepeatAndBytesTests
{
    [Fact]
    public void Repeat_IsOneCommandPerRepetition_WithTrailingStarsReplacedByItsNumber()
    {
        TraceFile trace = TraceParser.Parse("r.trace", "epoll x\nrepeat 3 ctl w* add x IN 10*");
        Assert.Equal(["epoll x", "ctl w1 add x IN 101", "ctl w2 add x IN 102", "ctl w3 add x IN 103"], trace.Commands.Select(c => c.Text));
        Assert.Equal([1, 2, 2, 2], trace.Commands.Select(c => c.Line));
        Assert.Equal([0UL, 101, 102, 103], trace.Commands.Select(c => c.Data));
    }

    [Theory]
    [InlineData("repeat 0 epoll e*", "repeat: N must be from 1 to 1024")]
    [InlineData("repeat 1025 epoll e*", "repeat: N must be from 1 to 1024")]
    [InlineData("repeat x epoll e*", "repeat: N 'x'")]
    [InlineData("repeat 2", "repeat: missing COMMAND")]
    [InlineData("repeat 2 repeat 2 epoll e*", "a repeated command cannot be a repeat")]
    [InlineData("repeat 2 ctl e* add", "ctl: missing TARGET")]
    [InlineData("repeat 2 epoll e**", "invalid name 'e*1'")]
    public void Malformed_repeats_are_errors_of_their_line(string text, string fragment)
    {
        var e = Assert.Throws<TraceException>(() => TraceParser.Parse("bad.trace", "epoll ep\n" + text));
        Assert.Equal(2, e.Line);
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Repeat_RunsEachRepetition_WithItsOwnOutputLine()
    {
        Assert.Equal(
        [
            "eventfd ev 1 => ok",
            "epoll w1 => ok", "epoll w2 => ok",
            "ctl w1 add ev IN 71 => ok", "ctl w2 add ev IN 72 => ok",
            "wait w2 8 0 => ok 1 (IN,72)",
        ], Run("eventfd ev 1\nrepeat 2 epoll w*\nrepeat 2 ctl w* add ev IN 7*\nwait w2 8 0"));
    }

    [Fact]
    public void Repeat_OfABindingWithoutAStar_RebindsAnOpenName_AtRunTime()
    {
        TraceFile trace = TraceParser.Parse("r.trace", "repeat 2 epoll e");
        using var backend = new ManagedBackend();
        var e = Assert.Throws<TraceException>(() => TraceRunner.Run(trace, backend));
        Assert.Contains("name 'e' is still open", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ByteWrites_AreFilledWithTheirOrdinal_AndReadBytesPrintsTheRuns()
    {
        Assert.Equal(
        [
            "pipe r w => ok",
            "write w 3 => ok 3",
            "write r 5 => err EBADF", // counted too: the next write's bytes are 3s
            "write w 2 => ok 2",
            "read r 4 bytes => ok 4 1x3 3x1",
            "read r 4 => ok 1",
            "read r 4 bytes => err EAGAIN",
        ], Run("pipe r w\nwrite w 3\nwrite r 5\nwrite w 2\nread r 4 bytes\nread r 4\nread r 4 bytes"));
    }

    [Fact]
    public void ByteWriteOrdinals_Wrap_After255_AndNeverMakeAZero()
    {
        string last = Run("pipe r w\nrepeat 256 write w 1\nread r 300 bytes")[^1];
        string runs = string.Join(' ', Enumerable.Range(1, 255).Select(v => $"{v}x1"));
        Assert.Equal($"read r 300 bytes => ok 256 {runs} 1x1", last);
    }

    [Fact]
    public void ReadBytes_OfAnEventFd_PrintsTheCounter()
    {
        Assert.Equal(["eventfd e 5 => ok", "read e 8 bytes => ok 5"], Run("eventfd e 5\nread e 8 bytes"));
    }

    private static List<string> Run(string text)
    {
        using var backend = new ManagedBackend();
        return [.. TraceRunner.Run(TraceParser.Parse("t.trace", text), backend).Skip(1).Select(l => l.Text)];
    }
}

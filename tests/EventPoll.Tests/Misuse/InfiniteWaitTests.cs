using EventPoll.Tests.Traces;
using EventPoll.Trace;
using Xunit;

namespace EventPoll.Tests.Misuse;

/// <summary>
/// A trace is one thread without timers, so an infinite wait on an instance with nothing ready can only hang:
/// the runner reports it instead, and leaves every wait the system would refuse or answer alone.
/// </summary>
public class InfiniteWaitTests
{
    [Fact]
    public void Wait_InfiniteOnInstanceWithNothingReady_IsATraceErrorAndNotIssued()
    {
        using var backend = new RecordingBackend(); // polls report nothing ready; its waits would return at once
        TraceFile trace = TraceParser.Parse("w.trace", "epoll ep\nwait ep 8 -1");
        var e = Assert.Throws<TraceException>(() => TraceRunner.Run(trace, backend));
        Assert.Equal("w.trace:2: wait would block forever", e.Message);
        Assert.DoesNotContain(backend.Calls, c => c.StartsWith("wait", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("eventfd e 1\nctl ep add e IN 5\nwait ep 8 -1", "ok 1 (IN,5)")] // ready: the wait returns at once
    [InlineData("wait ep 0 -1", "err EINVAL")]                                 // maxevents the system refuses
    [InlineData("wait ep 178956971 -1", "err EINVAL")]                         // above EP_MAX_EVENTS
    [InlineData("close ep\nwait ep 8 -1", "err EBADF")]                        // not open
    [InlineData("eventfd e\nwait e 8 -1", "err EINVAL")]                       // not an instance
    public void Wait_InfiniteTheSystemAnswers_RunsAsBefore(string commands, string result)
    {
        using var backend = new ManagedBackend();
        List<TraceLine> lines = TraceRunner.Run(TraceParser.Parse("w.trace", "epoll ep\n" + commands), backend);
        Assert.EndsWith(" => " + result, lines[^1].Text, StringComparison.Ordinal);
    }
}

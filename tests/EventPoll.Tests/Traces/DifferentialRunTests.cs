using EventPoll.Trace;
using Xunit;

namespace EventPoll.Tests.Traces;

[Collection(nameof(TraceCorpusCollection))]
public class DifferentialRunTests
{
    private static readonly TraceFile Trace = TraceParser.Parse("d.trace", "eventfd e 1\nepoll ep\nctl ep add e IN 1\nwait ep 8 0\npoll e");

    [LinuxFact]
    public void Same_backend_twice_agrees()
    {
        DifferentialRun.Result r = DifferentialRun.Run(Trace, () => new KernelBackend(), () => new KernelBackend());
        Assert.Null(r.Divergence);
        Assert.Equal(6, r.Reference.Count);
    }

    [LinuxFact]
    public void First_differing_line_is_reported_with_its_source_line()
    {
        DifferentialRun.Result r = DifferentialRun.Run(Trace, () => new KernelBackend(), () => new RecordingBackend());
        TraceDivergence d = Assert.IsType<TraceDivergence>(r.Divergence);
        Assert.Equal(4, d.SourceLine);
        Assert.Equal("wait ep 8 0 => ok 1 (IN,1)", d.Reference);
        Assert.Equal("wait ep 8 0 => ok 0", d.Candidate);
    }

    [LinuxFact]
    public void A_crashing_candidate_is_a_divergence_at_the_failing_command()
    {
        DifferentialRun.Result r = DifferentialRun.Run(Trace, () => new KernelBackend(), () => new ThrowingBackend());
        TraceDivergence d = Assert.IsType<TraceDivergence>(r.Divergence);
        Assert.Equal(1, d.SourceLine);
        Assert.Contains("exception NotSupportedException", d.Candidate, StringComparison.Ordinal);
    }

    private sealed class ThrowingBackend : ITraceBackend
    {
        public int EventFd(string name, uint initial, bool semaphore) => throw new NotSupportedException("no eventfd");
        public int Pipe(string name, out int readFd, out int writeFd) => throw new NotSupportedException();
        public int SocketPair(string name, out int first, out int second) => throw new NotSupportedException();
        public int EpollCreate() => throw new NotSupportedException();
        public int Dup(int fd) => throw new NotSupportedException();
        public int Close(int fd) => throw new NotSupportedException();
        public int Ctl(int epfd, int op, int fd, EpollEvents events, ulong data) => throw new NotSupportedException();
        public long Write(int fd, ReadOnlySpan<byte> data) => throw new NotSupportedException();
        public long Read(int fd, Span<byte> buffer) => throw new NotSupportedException();
        public int Shutdown(int fd, int how) => throw new NotSupportedException();
        public int Wait(int epfd, int maxEvents, int timeoutMs, Span<EpollEvent> events) => throw new NotSupportedException();
        public int Poll(int fd, EpollEvents events) => throw new NotSupportedException();
        public int FdInfo(int epfd, List<FdInfoItem> items) => throw new NotSupportedException();
        public void Dispose()
        {
        }
    }
}

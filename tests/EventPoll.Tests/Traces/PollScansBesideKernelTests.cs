using EventPoll.Trace;
using Xunit;

namespace EventPoll.Tests.Traces;

/// <summary>
/// The mixed rule's "Polls beside a kernel side" (docs/trace-format.md): the poll of a watched instance inside a
/// watcher's wait parts the runs where Linux's one scan may have ended elsewhere, and only there. Placement seed 0:
/// <c>local</c> is in-process, <c>osfd</c> and <c>osr</c> are OS sources.
/// </summary>
[Collection(nameof(TraceCorpusCollection))]
public class PollScansBesideKernelTests
{
    // inner holds an OS eventfd (ready when osfd starts at 1) and an in-process pipe end made stale by its MOD to 0;
    // ep's first wait (line 9) polls inner, whose in-process scan drops local_w.
    private const string DroppedBesideOs = """
        epoll ep
        eventfd osfd {0}
        pipe local local_w
        epoll inner
        ctl inner add osfd IN 1
        ctl ep add inner IN|ET 2
        ctl inner add local_w OUT 3
        ctl inner mod local_w 0 4
        wait ep 8 0
        ctl inner mod local_w OUT 5
        wait ep 8 0
        """;

    // inner holds an in-process eventfd, ready, and an OS pipe end: the write end made stale by its MOD to 0, or the
    // read end, never ready; ep's first wait (line 9) polls inner, whose in-process scan stops at local.
    private const string StoppedBesideOs = """
        epoll ep
        epoll inner
        eventfd local 1
        pipe osr osw
        ctl inner add local IN 1
        ctl inner add {0} 2
        ctl ep add inner IN|ET 3
        ctl inner mod {1} 4
        wait ep 8 0
        ctl inner mod {2} 5
        wait ep 8 0
        """;

    [LinuxFact]
    public void A_scan_that_dropped_in_process_items_beside_a_ready_os_registration_parts_at_its_wait() =>
        Assert.Equal(9, PartedAt(string.Format(null, DroppedBesideOs, 1)));

    [LinuxFact]
    public void A_scan_that_dropped_in_process_items_beside_no_ready_os_registration_does_not_part() =>
        Assert.Equal(0, PartedAt(string.Format(null, DroppedBesideOs, 0)));

    [LinuxFact]
    public void A_scan_that_stopped_at_an_in_process_item_beside_a_stale_os_registration_parts_at_its_wait() =>
        Assert.Equal(9, PartedAt(string.Format(null, StoppedBesideOs, "osw OUT", "osw 0", "osw OUT")));

    [LinuxFact]
    public void A_scan_that_stopped_at_an_in_process_item_beside_an_os_registration_never_ready_does_not_part() =>
        Assert.Equal(0, PartedAt(string.Format(null, StoppedBesideOs, "osr IN", "osr IN", "osr IN")));

    /// <summary>Runs the trace on the kernel and the mixed backend under placement seed 0: the line where they parted, or 0.</summary>
    private static int PartedAt(string text)
    {
        TraceFile trace = TraceParser.Parse("poll-scans.trace", text);
        DifferentialRun.Comparison c = DifferentialRun.Run(trace.Path, trace.Commands, () => new KernelBackend(), [Contender.Mixed], 0, _ => { })[0];
        Assert.Null(c.Divergence);
        return c.PartedAt;
    }
}

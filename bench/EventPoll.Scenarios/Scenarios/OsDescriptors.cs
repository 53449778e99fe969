using EventPoll.Scenarios.Api;
using EventPoll.Scenarios.Measurement;
using EventPoll.Scenarios.Os;
using EventPoll.Scenarios.Reporting;
using Microsoft.Win32.SafeHandles;

namespace EventPoll.Scenarios.Scenarios;

/// <summary>
/// OS descriptors in an EventPoll instance (issue 14): its costs against the same system calls made directly, and its
/// design (the instance's own kernel epoll) against the alternative the issue names, a poller thread feeding in-process
/// stand-ins (<see cref="PollerThreadInstance"/>), on the same workloads: single-thread operations, the latency of
/// waking a thread blocked in a wait, bytes allocated per operation, and a mixed instance's system calls per wait.
/// </summary>
internal static class OsDescriptors
{
    internal const string Name = "os";
    internal const string AddDel = "ADD+DEL", SignalWaitConsume = "signal+wait+consume", InTurn = "signal+wait+consume, 10 eventfds in turn";
    internal const string WakeInProcess = "wakeup by an in-process source", WakeOs = "wakeup by an OS eventfd";
    internal const string Median = "median", P99 = "p99", Bytes = "bytes/op";
    internal static readonly int[] Sizes = [10, 10_000];
    internal const int AllReady = 64; // a level-triggered batch: as many ready as the wait's buffer takes
    internal const string CLabel = "kernel, from C";

    internal static string WaitOneOf(int n) => $"wait, 1 of N={n} ready";

    internal static string WaitAll(int n) => $"wait, {n} of {n} ready";

    internal static string Latency(string wakeup, string statistic) => $"{wakeup}, {statistic}";

    internal static string BytesOf(string operation) => $"{Bytes}: {operation}";

    internal static ScenarioResult Run(BenchOptions options)
    {
        var result = new ScenarioResult(Name, "OS eventfds: EventPoll vs the same system calls made directly, and vs a poller-thread design");
        if (!KernelApi.IsAvailable)
        {
            result.Notes.Add("not run: OS descriptors need Linux on x86-64");
            return result;
        }
        int[] sizes = options.Size == BenchSize.Tiny ? [10, 100] : Sizes;
        string[] labels = [.. OsDesigns.All.Select(OsDesigns.Label)];
        (string Parameter, Func<OsDesign, OsOperation> Make)[] operations =
        [
            (AddDel, d => new AddDelOperation(d)),
            (SignalWaitConsume, d => new SignalWaitConsumeOperation(d, 1)),
            (InTurn, d => new SignalWaitConsumeOperation(d, 10)),
            .. FittingSizes(result, sizes).Select(n => (WaitOneOf(n), (Func<OsDesign, OsOperation>)(d => new WaitReadyOperation(d, n, 1)))),
            (WaitAll(AllReady), d => new WaitReadyOperation(d, AllReady, AllReady)),
        ];
        int ops = options.Scale(20_000, 5_000, 200);
        List<Row> bytes = [];
        foreach ((string parameter, Func<OsDesign, OsOperation> make) in operations)
        {
            // A fixture per sample, as micro's: every design's 10,000 eventfds at once would not fit the usual ulimit -n.
            result.AddInterleaved(options, parameter, Unit.NanosecondsPerOp, labels, e =>
            {
                using OsOperation fixture = make(OsDesigns.All[e]);
                return fixture.Throughput(options.PairedSampleDuration);
            }, options.PairedRepetitions);
            foreach (OsDesign design in OsDesigns.All)
            {
                using OsOperation fixture = make(design);
                bytes.Add(Alloc.Bytes(OsDesigns.Label(design), BytesOf(parameter), ops, fixture.Run));
            }
        }
        AddWakeups(result, options);
        result.ComputeRatios(before: OsDesigns.Label(OsDesign.PollerThread));

        // Counts, not times: no ratios.
        result.Rows.AddRange(bytes);
        options.Report($"{Name}: system calls of a mixed instance");
        MixedInstanceCalls.Measure(result, MixedRounds(options));
        result.Notes.Add($"waits block (no timeout) and find their events ready, so every design's wait is an epoll_wait or, in the poller-thread design, a poll(2) per ready stand-in; {BytesOf("")} counts the calling thread's allocations (GC.GetAllocatedBytesForCurrentThread, mean over {ops:N0} operations), so not the poller thread's");
        result.Notes.Add($"{MixedInstanceCalls.Sources:N0} OS and {MixedInstanceCalls.Sources:N0} in-process eventfds in one instance, {MixedRounds(options):N0} rounds per mix; system calls counted by the kernel side's counters (epoll_wait calls, signal eventfd writes, the readiness ring's calls)");
        result.Notes.Add($"{MixedInstanceCalls.InProcessOnly}: the calls are the kernel's turns, which keep OS events from starving behind ready in-process ones: after {Eventpoll.MinOsFairnessBound} waits in a row served in-process the next asks the kernel first, and each turn that finds no OS event doubles that streak, up to {Eventpoll.MaxOsFairnessBound} (an OS event then waits at most {Eventpoll.MaxOsFairnessBound + 1} waits), so idle OS descriptors would cost about one epoll_wait in {Eventpoll.MaxOsFairnessBound + 1} waits; with the readiness ring a turn asks the kernel only when the ring shows a wakeup of its epoll since the last kernel wait, or that wait returned events");
        return result;
    }

    /// <summary>Rounds of each of the mixed instance's workloads.</summary>
    internal static int MixedRounds(BenchOptions options) => options.Scale(10_000, 2_000, 100);

    /// <summary>
    /// The sizes of the 1-of-N waits whose eventfds fit this process's RLIMIT_NOFILE (raised where it may be); a size that
    /// does not fit is replaced by the largest that does, with a note.
    /// </summary>
    private static int[] FittingSizes(ScenarioResult result, int[] sizes)
    {
        long limit = ResourceLimits.TryRaiseOpenFiles(sizes[^1] + 1024);
        int fitting = (int)Math.Max(0, (limit - 1024) / 1000 * 1000); // room for the runtime's own descriptors
        if (fitting >= sizes[^1]) return sizes;
        result.Notes.Add($"RLIMIT_NOFILE is {limit:N0} and could not be raised, so the largest wait ran at N={fitting:N0} rather than {sizes[^1]:N0}");
        return [.. sizes.Select(n => Math.Min(n, fitting)).Where(n => n > 0).Distinct()];
    }

    /// <summary>
    /// Wakeup latency (median and p99 of each sample's wakeups) of a thread blocked in a wait, on an instance watching an
    /// OS eventfd and an in-process one: signalled through either. The kernel rows signal the OS eventfd in both (a plain
    /// eventfd write waking a thread blocked in epoll_wait), as does the C program where there is a compiler.
    /// </summary>
    private static void AddWakeups(ScenarioResult result, BenchOptions options)
    {
        int rounds = options.Scale(1_000, 200, 20);
        using CWakeup? c = CWakeup.TryBuild(out string? whyNot);
        if (c is null) result.Notes.Add($"{CLabel}: not run, {whyNot}");
        string[] labels = [.. OsDesigns.All.Select(OsDesigns.Label), .. c is null ? Array.Empty<string>() : [CLabel]];
        foreach (string wakeup in (string[])[WakeInProcess, WakeOs])
        {
            result.AddInterleavedFigures(options, wakeup, [Latency(wakeup, Median), Latency(wakeup, P99)], Unit.NanosecondsPerOp, labels,
                e => WakeupLatency.MedianAndP99(e < OsDesigns.All.Length ? Wakeups(OsDesigns.All[e], wakeup == WakeInProcess, rounds) : c!.Measure(rounds)),
                options.PairedRepetitions);
        }
        if (c is null) return;
        string product = OsDesigns.Label(OsDesign.EventPoll);
        IEnumerable<string> vsC = from wakeup in (string[])[WakeInProcess, WakeOs]
                                  from statistic in (string[])[Median, P99]
                                  let parameter = Latency(wakeup, statistic)
                                  select $"{parameter} {BarCheck.Ratio(1 / result.Find(product, parameter)!.PairedSpeedupOver(result.Find(CLabel, parameter)!.Samples))}";
        result.Notes.Add($"{product}'s latency as a multiple of the C program's (paired per repetition): {string.Join("; ", vsC)}");
    }

    /// <summary>One sample's wakeup latencies on a fresh instance of <paramref name="design"/>.</summary>
    private static double[] Wakeups(OsDesign design, bool byInProcessSource, int rounds)
    {
        using OsInstance instance = OsDesigns.Create(design);
        using SafeFileHandle os = OsEventFd.Create();
        instance.Add(os, EpollEvents.In, 1);
        using EventFd? inProcess = instance.InProcess is Epoll epoll ? new EventFd(table: epoll.Table) : null;
        if (inProcess is not null) instance.InProcess!.Add(inProcess, EpollEvents.In, 2);
        EventFd? signalled = byInProcessSource ? inProcess : null; // the kernel has no in-process source: it signals the OS eventfd
        ulong expected = signalled is null ? 1UL : 2UL;
        var events = new EpollEvent[64];
        return WakeupLatency.Measure(rounds,
            () =>
            {
                if (instance.Wait(events, -1) != 1 || events[0].Data != expected) throw new InvalidOperationException($"the wait missed source {expected}");
            },
            signalled is null ? () => OsEventFd.Consume(os) : () => signalled.Consume(),
            signalled is null ? () => OsEventFd.Signal(os) : () => signalled.Signal());
    }
}

using EventPoll.Scenarios.Http;
using EventPoll.Scenarios.Measurement;

namespace EventPoll.Scenarios.Scenarios;

/// <summary>
/// The seed patches' experiment (issue 15): EventPoll's HTTP/1.1 sample server, nginx and Kestrel served the same
/// plaintext response on loopback and driven by wrk, one request per connection and keep-alive, unpinned and pinned;
/// per case and server: requests per second, latency percentiles, the server's and wrk's CPU per request, errors, and
/// the server's descriptors before and after the load. It needs wrk and nginx (installed with apt-get when missing) and
/// runs for minutes, so <c>eventpoll bench</c> runs it only when named.
/// </summary>
internal static class HttpScenario
{
    internal const string Name = "http";
    internal const string EventPoll = "EventPoll", Nginx = "nginx", Kestrel = "Kestrel";
    internal const string Rate = "req/s", P50 = "p50 latency", P99 = "p99 latency", ServerCpu = "server CPU per request", WrkCpu = "wrk CPU per request";
    internal const string BadStatuses = "non-2xx responses", DescriptorsIdle = "server descriptors idle", DescriptorsAfter = "server descriptors after the load";
    internal static readonly string[] SocketErrorKinds = ["connect", "read", "write", "timeout"];

    internal static string SocketErrors(string kind) => $"socket errors: {kind}";

    /// <summary>The row parameter of <paramref name="figure"/> in <paramref name="httpCase"/>: "close, pinned: req/s".</summary>
    internal static string Parameter(HttpCase httpCase, string figure) => Parameter(httpCase.Label, figure);

    internal static string Parameter(string caseLabel, string figure) => $"{caseLabel}: {figure}";

    /// <summary>The case and the figure a row <see cref="Parameter(string, string)"/> names.</summary>
    internal static (string Case, string Figure) Split(Row row)
    {
        int colon = row.Parameter.IndexOf(": ", StringComparison.Ordinal);
        return (row.Parameter[..colon], row.Parameter[(colon + 2)..]);
    }

    /// <summary>Before any scenario of the run measures: wrk and nginx are there, or the command fails (<see cref="BenchSetupException"/>).</summary>
    internal static void Prepare(BenchOptions options) => DebianTools.EnsureInstalled(options.Report);

    internal static ScenarioResult Run(BenchOptions options)
    {
        var result = new ScenarioResult(Name, "EventPoll's HTTP server vs nginx and Kestrel under wrk on loopback (the seed patches' experiment)");
        DebianTools.EnsureInstalled(options.Report);
        HttpContender[] contenders = [new EventPollContender(), new EventPollContender(sharedListener: true), new NginxContender(), new KestrelContender()];
        foreach (HttpContender contender in contenders) contender.Prepare(options.Report);
        HttpContender[] measured = [.. contenders.Where(c => c.Unavailable is null)];
        IReadOnlyList<HttpCase> cases = HttpCase.All(Environment.ProcessorCount);
        if (cases.Count < 4) result.Notes.Add("one processor: no pinned cases (they put the server and wrk on CPUs 1 and 0)");
        HttpLoad load = HttpLoad.For(options.Size);
        var progress = new LoadProgress(options, load.Seconds * measured.Length * cases.Count);
        DirectoryInfo work = LaunchedProcesses.CreateDirectory("eventpoll-bench-http-");
        try
        {
            foreach (HttpCase httpCase in cases)
            {
                foreach (CaseRun.Measured m in CaseRun.Measure(httpCase, measured, load, work.FullName, progress, result.Notes)) AddRows(result, httpCase, m);
            }
        }
        finally
        {
            LaunchedProcesses.DeleteDirectory(work);
        }
        // Found at preparation: said once, not per case.
        foreach (HttpContender contender in contenders.Where(c => c.Unavailable is not null)) result.Notes.Insert(0, $"{contender.Label}: not measured: {contender.Unavailable}");
        result.VariantsInterleaved = true; // run i of every server in a case was taken in one round, back to back
        result.CompareWith([Nginx, Kestrel]);
        result.Notes.Add($"wrk -c{HttpCase.Connections}, -t2 unpinned and -t1 pinned (on CPU {HttpCase.ClientCpu}, the server on CPU {HttpCase.ServerCpu}); per server and case a {load.WarmUpSeconds} s warm-up, "
            + $"then {load.Runs} run(s) of {load.RunSeconds} s, servers in turn; figures are medians over the runs, errors totals; ratios pair run i of each server (greater is better)");
        result.Notes.Add("latency is wrk's: from the request's first byte, so without the TCP handshake in the close cases; CPU per request is the process tree's utime+stime "
            + "(/proc/PID/stat) over the run divided by the requests wrk completed, and on loopback part of the kernel's TCP work lands on whichever side is running");
        return result;
    }

    private static void AddRows(ScenarioResult result, HttpCase httpCase, CaseRun.Measured m)
    {
        void Add(string figure, Unit unit, Func<Wrk.Outcome, double> of) => result.Rows.Add(Row.FromSamples(m.Server, Parameter(httpCase, figure), unit, [.. m.Runs.Select(of)]));
        void Total(string figure, Func<WrkReport, long> of)
        {
            double[] counts = [.. m.Runs.Select(o => (double)of(o.Report))];
            result.Rows.Add(new Row(m.Server, Parameter(httpCase, figure), counts.Sum(), Unit.Count, counts));
        }
        Add(Rate, Unit.OpsPerSecond, o => o.Report.RequestsPerSecond);
        Add(P50, Unit.Microseconds, o => o.Report.P50Us);
        Add(P99, Unit.Microseconds, o => o.Report.P99Us);
        Add(ServerCpu, Unit.Microseconds, o => o.ServerCpu.TotalMicroseconds / o.Report.Requests);
        Add(WrkCpu, Unit.Microseconds, o => o.WrkCpu.TotalMicroseconds / o.Report.Requests);
        Total(SocketErrors(SocketErrorKinds[0]), r => r.ConnectErrors);
        Total(SocketErrors(SocketErrorKinds[1]), r => r.ReadErrors);
        Total(SocketErrors(SocketErrorKinds[2]), r => r.WriteErrors);
        Total(SocketErrors(SocketErrorKinds[3]), r => r.TimeoutErrors);
        Total(BadStatuses, r => r.BadStatuses);
        if (m is { IdleDescriptors: int idle, DescriptorsAfter: int after })
        {
            result.Rows.Add(new Row(m.Server, Parameter(httpCase, DescriptorsIdle), idle, Unit.Count, [idle]));
            result.Rows.Add(new Row(m.Server, Parameter(httpCase, DescriptorsAfter), after, Unit.Count, [after]));
        }
    }
}

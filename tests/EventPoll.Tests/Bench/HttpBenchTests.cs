using System.Text.Json;
using System.Xml.Linq;
using EventPoll.Scenarios.Http;
using EventPoll.Scenarios.Measurement;
using EventPoll.Scenarios.Reporting;
using EventPoll.Scenarios.Scenarios;
using EventPoll.Tests.Misuse;
using Xunit;

namespace EventPoll.Tests.Bench;

/// <summary>
/// `bench http` end to end at its smallest (1 s warm-up and 1 s run per server and case, ~30 s here): nginx and Kestrel
/// under wrk in every case, EventPoll's server in both accept modes, every process gone afterwards, and an
/// interrupted run leaving none behind. wrk and nginx are installed with apt-get as the command does; these tests
/// skip only where that is impossible. No speed is asserted.
/// </summary>
[Collection(nameof(BenchSmokeCollection))]
public class HttpBenchTests
{
    private static readonly string[] Contenders = [HttpScenario.EventPoll, EventPollContender.SharedListenerLabel, HttpScenario.Nginx, HttpScenario.Kestrel];

    [HttpBenchFact]
    public void Tiny_MeasuresEveryServerInEveryCase_AndStopsEveryProcessItStarted()
    {
        string[] before = TemporaryDirectories();
        HttpScenario.Prepare(new BenchOptions(BenchSize.Tiny));
        ScenarioResult result = HttpScenario.Run(new BenchOptions(BenchSize.Tiny));

        foreach (HttpCase httpCase in HttpCase.All(Environment.ProcessorCount))
        {
            foreach (string server in Contenders)
            {
                Row rate = result.Find(server, HttpScenario.Parameter(httpCase, HttpScenario.Rate)) ?? throw new InvalidOperationException($"no {server} row in {httpCase.Label}: {string.Join("\n", result.Notes)}");
                Assert.True(rate.Value > 0);
                foreach (string figure in (string[])[HttpScenario.P50, HttpScenario.P99, HttpScenario.ServerCpu, HttpScenario.WrkCpu])
                    Assert.True(result.Find(server, HttpScenario.Parameter(httpCase, figure))!.Value > 0, $"{server} {httpCase.Label} {figure}");
                foreach (string figure in HttpScenario.SocketErrorKinds.Select(HttpScenario.SocketErrors).Append(HttpScenario.BadStatuses))
                    Assert.NotNull(result.Find(server, HttpScenario.Parameter(httpCase, figure)));
            }
            Assert.True(result.Find(HttpScenario.Kestrel, HttpScenario.Parameter(httpCase, HttpScenario.Rate))!.Versus.ContainsKey(HttpScenario.Nginx));
            Assert.NotNull(result.Find(HttpScenario.EventPoll, HttpScenario.Parameter(httpCase, HttpScenario.DescriptorsAfter)));
        }
        Assert.Equal(0, LaunchedProcesses.Count);
        Assert.Equal([Environment.ProcessId], ProcFs.Tree(Environment.ProcessId).Where(HttpHarnessTests.Running)); // no server, wrk or build left
        Assert.Empty(TemporaryDirectories().Except(before));

        var run = new BenchRun(DateTimeOffset.Now, BenchSize.Tiny, MachineInfo.Current(), [result], BarCheck.Evaluate([result]), TimeSpan.Zero);
        Assert.Contains($"| {HttpScenario.Kestrel} | close, unpinned | ", MarkdownReport.Render(run), StringComparison.Ordinal);
        using JsonDocument json = JsonDocument.Parse(JsonReport.Render(run));
        Assert.Equal(HttpScenario.Name, json.RootElement.GetProperty("scenarios")[0].GetProperty("name").GetString());
        // The chart's http panel: a bar per server and case (the rectangles with a tooltip, unlike frames and swatches).
        XElement[] bars = [.. XDocument.Parse(SvgChart.Render(run)).Descendants().Where(e => e.Name.LocalName == "rect" && e.Elements().Any(t => t.Name.LocalName == "title"))];
        Assert.Equal(result.Rows.Count(r => HttpScenario.Split(r).Figure == HttpScenario.Rate), bars.Length);
    }

    [HttpBenchFact]
    public void AnInterruptedRun_StopsTheServersAndWrkItStarted_AndDeletesItsTemporaryDirectory()
    {
        string dir = CliRun.TempDirectory();
        string[] before = TemporaryDirectories();
        // Once a warm-up runs (servers up, wrk loading one), list the command's descendants, SIGTERM the command alone,
        // and print every listed process still running (a zombie is dead: only its parent has not yet reaped it).
        (int exit, string stdout, string stderr) = CliRun.Process($$"""
            $CLI bench http --quick --out {{dir}} 2>{{dir}}/progress & cli=$!
            for i in $(seq 600); do grep -q warm-up {{dir}}/progress && break; sleep 0.1; done
            descendants() { for c in $(ps -o pid= --ppid "$1"); do echo "$c"; descendants "$c"; done; }
            tree=$(descendants $cli); echo "started: $(echo $tree | wc -w)"
            kill -TERM $cli; wait $cli
            for p in $tree; do s=$(awk '{print $3}' /proc/$p/stat 2>/dev/null); [ -n "$s" ] && [ "$s" != Z ] && echo "still running: $p $(cat /proc/$p/comm)"; done
            true
            """, seconds: 120);
        Assert.True(exit == 0, stderr);
        Assert.Contains("warm-up", File.ReadAllText(Path.Combine(dir, "progress")), StringComparison.Ordinal);
        Assert.Matches(@"started: ([3-9]|\d\d+)", stdout); // nginx's master and workers, Kestrel, wrk at least
        Assert.DoesNotContain("still running", stdout, StringComparison.Ordinal);
        Assert.Empty(TemporaryDirectories().Except(before));
    }

    /// <summary>The temporary directories of `bench http` runs (nginx's configuration and logs).</summary>
    private static string[] TemporaryDirectories() => Directory.GetDirectories(Path.GetTempPath(), "eventpoll-bench-http-*");
}

/// <summary>
/// A test of `bench http` end to end: it needs wrk and nginx, which it installs with apt-get as the command does, so it is
/// skipped only where they are missing and apt-get cannot run (not root, and no sudo).
/// </summary>
public sealed class HttpBenchFactAttribute : FactAttribute
{
    public HttpBenchFactAttribute()
    {
        bool missing = ProgramPath.Find(DebianTools.Wrk) is null || ProgramPath.Find(DebianTools.Nginx) is null;
        if (missing && !Libc.IsRoot && ProgramPath.Find("sudo") is null) Skip = "wrk or nginx is missing, and apt-get cannot install them here (not root, no sudo)";
    }
}

using System.Diagnostics;
using System.Text;
using EventPoll.Scenarios.Http;
using EventPoll.Scenarios.Measurement;
using EventPoll.Scenarios.Reporting;
using EventPoll.Scenarios.Scenarios;
using Xunit;

namespace EventPoll.Tests.Bench;

/// <summary>
/// The parts of `bench http` that need neither wrk nor nginx: reading wrk's report, nginx's configuration, starting,
/// watching and stopping processes by PID (with sh and sleep standing in for servers), the bar check and the table.
/// </summary>
[Collection(nameof(BenchSmokeCollection))]
public class HttpHarnessTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    // wrk 4.1.0's report of a keep-alive run with --latency, with the two lines it prints only when not zero.
    private const string WrkOutput = """
        Running 2s test @ http://127.0.0.1:40000/
          2 threads and 64 connections
          Thread Stats   Avg      Stdev     Max   +/- Stdev
            Latency   652.32us    1.02ms  21.74ms   91.52%
            Req/Sec    55.12k     3.21k   61.00k    72.00%
          Latency Distribution
             50%  289.00us
             75%  528.00us
             90%    1.43ms
             99%    5.09ms
          219395 requests in 2.00s, 27.21MB read
          Socket errors: connect 1, read 2, write 3, timeout 4
          Non-2xx or 3xx responses: 12
        Requests/sec: 109697.42
        Transfer/sec:     13.60MB
        """;

    [Fact]
    public void WrkReport_ReadsEveryFigure_LatenciesInMicroseconds()
    {
        WrkReport report = WrkReport.Parse(WrkOutput);
        Assert.Equal(new WrkReport(219_395, 109_697.42, 289, 5_090, 1, 2, 3, 4, 12), report);
        Assert.Equal(10, report.SocketErrors);
    }

    [Fact]
    public void WrkReport_WithoutTheLinesWrkOmitsWhenZero_CountsNoErrors()
    {
        string clean = string.Join('\n', WrkOutput.Split('\n').Where(l => !l.Contains("errors", StringComparison.Ordinal) && !l.Contains("Non-2xx", StringComparison.Ordinal)));
        WrkReport report = WrkReport.Parse(clean);
        Assert.Equal((0, 0L), (report.SocketErrors, report.BadStatuses));
        Assert.Equal(219_395, report.Requests);
    }

    [Fact]
    public void WrkReport_WithoutTheLatencyDistribution_SaysWhatIsMissing()
    {
        string noLatency = string.Join('\n', WrkOutput.Split('\n').Where(l => !l.Contains("99%", StringComparison.Ordinal)));
        Assert.Contains("99%", Assert.Throws<FormatException>(() => WrkReport.Parse(noLatency)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NginxConfig_IsTheAnchorsOne_WithKeepAliveRequestsAndWorkersOfTheCase()
    {
        string close = NginxContender.Config("/tmp/x", 40000, workers: 1, keepAliveRequests: 1);
        string keepAlive = NginxContender.Config("/tmp/x", 40000, workers: 2, keepAliveRequests: 1_000_000);
        Assert.Contains("keepalive_requests 1;", close, StringComparison.Ordinal);
        Assert.Contains("worker_processes 1;", close, StringComparison.Ordinal);
        Assert.Contains("keepalive_requests 1000000;", keepAlive, StringComparison.Ordinal);
        Assert.Contains("worker_processes 2;", keepAlive, StringComparison.Ordinal);
        foreach (string line in (string[])["daemon off;", "access_log off;", "listen 127.0.0.1:40000;", "return 200 \"Hello, World!\";", "pid /tmp/x/nginx.pid;"])
            Assert.Contains(line, close, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_AProcessThatIgnoresItsStopSignal_KillsItAndItsChildrenAfterTheGrace()
    {
        int before = LaunchedProcesses.Count;
        (LaunchedProcess process, Task ready) = StartShell("trap '' TERM; sleep 60 & echo ready; wait; wait");
        using LaunchedProcess _ = process;
        await ready.WaitAsync(Limit);
        int[] tree = [.. ProcFs.Tree(process.Pid)];
        Assert.Equal(2, tree.Length); // sh and its sleep
        Assert.Equal(before + 1, LaunchedProcesses.Count);

        Assert.Null(process.Stop(TimeSpan.FromMilliseconds(200))); // it ignored SIGTERM: killed

        Assert.All(tree, pid => Assert.False(Running(pid), $"{pid} still runs"));
        Assert.Equal(before, LaunchedProcesses.Count);
    }

    [Fact]
    public async Task Stop_AProcessThatDiesOfItsStopSignal_ReturnsItsStatus_AndKillsTheGrandchildrenItOrphaned()
    {
        // The outer shell dies of SIGTERM; its child shell and that one's sleep would live on, reparented.
        (LaunchedProcess process, Task ready) = StartShell("sh -c 'sleep 60 & echo ready; wait' & wait");
        using LaunchedProcess _ = process;
        await ready.WaitAsync(Limit);
        int[] tree = [.. ProcFs.Tree(process.Pid)];
        Assert.Equal(3, tree.Length);

        Assert.Equal(128 + Libc.SigTerm, process.Stop(Limit)); // .NET's status for a death by signal

        Assert.All(tree, pid => Assert.False(Running(pid), $"{pid} still runs"));
    }

    [Fact]
    public void AServer_ThatExitsBeforeItIsReady_FailsWithItsStatusAndLastWords()
    {
        var e = Assert.Throws<ContenderFailedException>(() =>
            ServerProcess.Start("test server", ["sh", "-c", "echo starting; echo 'bind: address in use' >&2; exit 3"], 1, Libc.SigTerm, readyLine: _ => false));
        Assert.Contains("test server exited with status 3", e.Message, StringComparison.Ordinal);
        Assert.Contains("bind: address in use", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AServer_ReadyByItsLine_ShowsItsCpuAndDescriptors_AndStopsOnItsSignal()
    {
        using ServerProcess server = ServerProcess.Start("test server", ["sh", "-c", "echo 'listening on it'; exec sleep 60"], 1, Libc.SigTerm,
            readyLine: line => line.StartsWith("listening", StringComparison.Ordinal));
        Assert.True(server.Descriptors() >= 3); // its standard streams at least
        Assert.True(server.Cpu() >= TimeSpan.Zero);
        server.ThrowIfExited();
        Assert.Equal(128 + Libc.SigTerm, server.Stop());
        Assert.Throws<ContenderFailedException>(server.ThrowIfExited);
    }

    [Fact]
    public void TheBars_JudgeEventPollAgainstNginxAndKestrel_InThePinnedCases()
    {
        var result = new ScenarioResult(HttpScenario.Name, "synthetic") { VariantsInterleaved = true };
        HttpCase close = new(KeepAlive: false, Pinned: true), keepAlive = new(KeepAlive: true, Pinned: true);
        // close: 1.06x nginx and 1.31x Kestrel at 28 us against nginx's 30; keep-alive: 0.86x nginx (FAIL), 2x Kestrel, 1.25x nginx's CPU (FAIL).
        AddCase(result, close, [(HttpScenario.EventPoll, 17_000, 28), (HttpScenario.Nginx, 16_000, 30), (HttpScenario.Kestrel, 13_000, 75)]);
        AddCase(result, keepAlive, [(HttpScenario.EventPoll, 100_000, 10), (HttpScenario.Nginx, 116_000, 8), (HttpScenario.Kestrel, 50_000, 20)]);
        result.Rows.Add(new Row(HttpScenario.EventPoll, HttpScenario.Parameter(close, HttpScenario.SocketErrors("read")), 0, Unit.Count, [0]));
        result.Rows.Add(new Row(HttpScenario.EventPoll, HttpScenario.Parameter(keepAlive, HttpScenario.BadStatuses), 2, Unit.Count, [2]));
        result.Rows.Add(new Row(HttpScenario.EventPoll, HttpScenario.Parameter(close, HttpScenario.DescriptorsIdle), 40, Unit.Count, [40]));
        result.Rows.Add(new Row(HttpScenario.EventPoll, HttpScenario.Parameter(close, HttpScenario.DescriptorsAfter), 40, Unit.Count, [40]));
        result.CompareWith([HttpScenario.Nginx, HttpScenario.Kestrel]);

        Bar[] bars = [.. BarCheck.Evaluate([result]).Where(b => b.Requirement.StartsWith("http: ", StringComparison.Ordinal))];

        Assert.Equal(HttpBars.Count, bars.Length);
        Assert.Equal(["PASS", "PASS", "PASS", "FAIL", "PASS", "FAIL", "FAIL", "PASS"], bars.Select(b => b.Verdict));
        Assert.Equal("0.93x (28.0 vs 30.0 us)", bars[2].Measured);
        Assert.Equal("0 socket errors, 2 non-2xx in 2 case(s)", bars[6].Measured);
        Assert.Equal("close, pinned 40 then 40", bars[7].Measured);
    }

    [Fact]
    public void TheTable_HasALinePerServerAndCase_WithItsRatios()
    {
        var result = new ScenarioResult(HttpScenario.Name, "synthetic") { VariantsInterleaved = true };
        HttpCase close = new(KeepAlive: false, Pinned: false);
        AddCase(result, close, [(HttpScenario.EventPoll, 20_000, 20), (HttpScenario.Nginx, 16_000, 40), (HttpScenario.Kestrel, 10_000, 80)]);
        result.CompareWith([HttpScenario.Nginx, HttpScenario.Kestrel]);
        var text = new StringBuilder();

        HttpTable.Append(text, result);

        string[] lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2 + 3, lines.Length);
        Assert.StartsWith("| EventPoll | close, unpinned | 20.0k | 20.0k |", lines[2], StringComparison.Ordinal);
        Assert.EndsWith("| 1.25x | 2.00x | 0.50x |", lines[2], StringComparison.Ordinal);
        Assert.EndsWith("| - | 1.60x | - |", lines[3], StringComparison.Ordinal);
    }

    /// <summary>Rows of one case: each server's req/s and server CPU per request, one sample each.</summary>
    private static void AddCase(ScenarioResult result, HttpCase httpCase, (string Server, double Rate, double CpuUs)[] servers)
    {
        foreach ((string server, double rate, double cpu) in servers)
        {
            result.Rows.Add(Row.FromSamples(server, HttpScenario.Parameter(httpCase, HttpScenario.Rate), Unit.OpsPerSecond, [rate]));
            result.Rows.Add(Row.FromSamples(server, HttpScenario.Parameter(httpCase, HttpScenario.ServerCpu), Unit.Microseconds, [cpu]));
        }
    }

    /// <summary>sh running <paramref name="script"/>, and a task that completes when it prints "ready".</summary>
    private static (LaunchedProcess Process, Task Ready) StartShell(string script)
    {
        var printed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        LaunchedProcess process = LaunchedProcess.Start("sh", new ProcessStartInfo("sh") { ArgumentList = { "-c", script } }, Libc.SigTerm,
            line => { if (line == "ready") printed.TrySetResult(); });
        return (process, printed.Task);
    }

    /// <summary>Whether <paramref name="pid"/> is a live process: it exists and is not a zombie waiting to be reaped.</summary>
    internal static bool Running(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }
}

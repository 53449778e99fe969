using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace EventPoll.Scenarios.Http;

/// <summary>
/// One wrk run against a server on loopback, bounded by its -d and by a deadline after it, with the CPU time the
/// server's process tree and wrk itself spent during it.
/// </summary>
internal static class Wrk
{
    /// <summary>How long past its -d wrk may take to finish (its connections' timeout is 2 s) before it is stopped.</summary>
    private static readonly TimeSpan Overrun = TimeSpan.FromSeconds(30);

    /// <summary>What one run measured.</summary>
    internal sealed record Outcome(WrkReport Report, TimeSpan ServerCpu, TimeSpan WrkCpu);

    /// <summary>
    /// Runs <c>wrk -tT -c64 -dDs --latency [-H 'Connection: close'] http://127.0.0.1:PORT/</c> (pinned to CPU 0 in a
    /// pinned case) while <paramref name="server"/> serves; throws <see cref="ContenderFailedException"/> if wrk fails.
    /// </summary>
    internal static Outcome Run(string wrk, HttpCase httpCase, int seconds, ServerProcess server)
    {
        string[] command =
        [
            .. httpCase.Pin(HttpCase.ClientCpu), wrk,
            $"-t{httpCase.WrkThreads}", $"-c{HttpCase.Connections}", $"-d{seconds}s", "--latency",
            .. httpCase.KeepAlive ? Array.Empty<string>() : ["-H", "Connection: close"],
            string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{server.Port}/"),
        ];
        var start = new ProcessStartInfo(command[0]);
        foreach (string argument in command.Skip(1)) start.ArgumentList.Add(argument);
        var output = new StringBuilder(); // appended to by the output callback, one line at a time; read after the exit
        TimeSpan serverBefore = server.Cpu(), wrkBefore = ProcFs.ReapedChildrenCpu();
        using (LaunchedProcess run = LaunchedProcess.Start("wrk", start, Libc.SigInt, line => output.AppendLine(line)))
        {
            if (!run.WaitForExit(TimeSpan.FromSeconds(seconds) + Overrun))
                throw new ContenderFailedException($"wrk against {server.Name} was still running {Overrun.TotalSeconds:F0} s after its -d{seconds}s and was stopped");
            if (run.ExitCode != 0)
                throw new ContenderFailedException($"wrk against {server.Name} failed with status {run.ExitCode}: {string.Join(" / ", run.Tail())}");
        }
        TimeSpan serverCpu = server.Cpu() - serverBefore, wrkCpu = ProcFs.ReapedChildrenCpu() - wrkBefore;
        server.ThrowIfExited();
        WrkReport report;
        try
        {
            report = WrkReport.Parse(output.ToString());
        }
        catch (FormatException e)
        {
            throw new ContenderFailedException($"against {server.Name}: {e.Message}");
        }
        // Figures per request need one; a server that answered none has failed the case.
        if (report.Requests == 0) throw new ContenderFailedException($"wrk completed no request against {server.Name} in {seconds} s ({report.SocketErrors} socket errors)");
        return new Outcome(report, serverCpu, wrkCpu);
    }
}

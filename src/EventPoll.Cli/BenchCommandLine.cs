using System.Diagnostics;
using EventPoll.Scenarios.Measurement;
using EventPoll.Scenarios.Reporting;
using EventPoll.Scenarios.Scenarios;

namespace EventPoll.Cli;

/// <summary>
/// <c>eventpoll bench [SCENARIO...] [--quick] [--out DIR] [--oneshot-count C]</c>: runs the scenarios of issue 4 in this process,
/// prints a table per scenario and the bar check, and writes the markdown, JSON and SVG reports.
/// </summary>
internal static class BenchCommandLine
{
    internal static int Run(ReadOnlySpan<string> args, TextWriter stdout, TextWriter stderr)
    {
        bool quick = false;
        string? outDir = null;
        int? oneShotCount = null;
        var chosen = new List<Scenario>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "-h" or "--help":
                    stdout.WriteLine(CommandLine.Usage);
                    return CommandLine.Ok;
                case "--quick":
                    quick = true;
                    break;
                case "--out" when i + 1 < args.Length:
                    outDir = args[++i];
                    break;
                case "--oneshot-count" when i + 1 < args.Length && int.TryParse(args[i + 1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int c) && c > 0:
                    oneShotCount = c;
                    i++;
                    break;
                default:
                    if (ScenarioCatalog.Find(args[i]) is not { } scenario)
                    {
                        stderr.WriteLine($"eventpoll bench: unknown scenario or option '{args[i]}' (scenarios: {string.Join(", ", ScenarioCatalog.All.Select(s => s.Name))})");
                        return CommandLine.UsageError;
                    }
                    if (!chosen.Contains(scenario)) chosen.Add(scenario);
                    break;
            }
        }
        if (chosen.Count == 0) chosen.AddRange(ScenarioCatalog.All);

        var progress = new ProgressLine(stderr);
        var options = new BenchOptions(quick ? BenchSize.Quick : BenchSize.Full, progress.Show) { OneShotCount = oneShotCount };
        stderr.WriteLine($"eventpoll bench ({(quick ? "quick" : "full")}): {string.Join(", ", chosen.Select(s => s.Name))}");
        BenchRun run = BenchRun.Execute(chosen, options);
        progress.Clear();

        stdout.Write(MarkdownReport.Render(run));
        string dir = outDir ?? DefaultResultsDirectory();
        foreach (string path in ResultFiles.Write(run, dir)) stderr.WriteLine($"wrote {path}");
        return CommandLine.Ok;
    }

    /// <summary>bench/results of the repository the command runs in (found from the current directory up), else ./bench-results.</summary>
    private static string DefaultResultsDirectory()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EventPoll.slnx"))) return Path.Combine(dir.FullName, "bench", "results");
        }
        return Path.Combine(Environment.CurrentDirectory, "bench-results");
    }

    /// <summary>The current step on stderr with the elapsed time: redrawn in place on a terminal, one line per step otherwise.</summary>
    private sealed class ProgressLine(TextWriter stderr)
    {
        private readonly bool _interactive = !Console.IsErrorRedirected;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _width;

        internal void Show(string status)
        {
            string line = $"[{_clock.Elapsed.TotalSeconds,5:F1} s] {status}";
            if (!_interactive)
            {
                stderr.WriteLine(line);
                return;
            }
            stderr.Write("\r" + line.PadRight(_width));
            _width = line.Length;
        }

        internal void Clear()
        {
            if (_interactive && _width > 0) stderr.Write("\r" + new string(' ', _width) + "\r");
        }
    }
}

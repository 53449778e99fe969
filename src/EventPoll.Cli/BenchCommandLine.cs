using System.Diagnostics;
using EventPoll.Scenarios.Measurement;
using EventPoll.Scenarios.Reporting;
using EventPoll.Scenarios.Scenarios;
using EventPoll.Trace;

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
        var arguments = new ArgumentReader("bench", args);
        while (arguments.Next() is { } a)
        {
            switch (a)
            {
                case "-h" or "--help":
                    stdout.WriteLine(CommandLine.Usage);
                    return CommandLine.Ok;
                case "--quick":
                    quick = true;
                    break;
                case "--out":
                    outDir = arguments.Value(a, "a directory");
                    break;
                case "--oneshot-count":
                    oneShotCount = arguments.Number(a, min: 1);
                    break;
                case var name when !name.StartsWith('-') && ScenarioCatalog.Find(name) is { } scenario:
                    if (!chosen.Contains(scenario)) chosen.Add(scenario);
                    break;
                default:
                    throw arguments.Error($"unknown scenario or option '{Echo.Of(a)}' (scenarios: {string.Join(", ", ScenarioCatalog.All.Select(s => s.Name))})");
            }
        }
        if (chosen.Count == 0) chosen.AddRange(ScenarioCatalog.All);
        string dir = outDir ?? DefaultResultsDirectory();
        OutputDirectory.Check(arguments, "--out", dir);

        var progress = new ProgressLine(stderr);
        var options = new BenchOptions(quick ? BenchSize.Quick : BenchSize.Full, progress.Show) { OneShotCount = oneShotCount };
        stderr.WriteLine($"eventpoll bench ({(quick ? "quick" : "full")}): {string.Join(", ", chosen.Select(s => s.Name))}");
        BenchRun run = BenchRun.Execute(chosen, options);
        progress.Clear();

        stdout.Write(MarkdownReport.Render(run));
        try
        {
            foreach (string path in ResultFiles.Write(run, dir)) stderr.WriteLine($"wrote {path}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"eventpoll bench: cannot write the reports to {Echo.OfOpenedPath(dir)}: {FailureReason.Of(e)} (the results are on standard output)");
            return CommandLine.OutputError;
        }

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

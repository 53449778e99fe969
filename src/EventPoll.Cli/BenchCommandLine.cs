using System.CommandLine;
using System.Diagnostics;
using EventPoll.Scenarios.Http;
using EventPoll.Scenarios.Measurement;
using EventPoll.Scenarios.Reporting;
using EventPoll.Scenarios.Scenarios;
using EventPoll.Trace;
using Spectre.Console;

namespace EventPoll.Cli;

/// <summary>
/// <c>eventpoll bench [SCENARIO...] [--quick] [--out DIR] [--oneshot-count C]</c>: runs the scenarios of issues 4, 14, 15 and 17 (in this
/// process; http drives server processes with wrk), prints a table per scenario and the bar check, and writes the markdown, JSON and SVG reports.
/// </summary>
internal static class BenchCommandLine
{
    private static readonly string ScenarioNames = string.Join(", ", ScenarioCatalog.All.Select(s => s.Name));
    private static readonly string NamedOnly = string.Join(" and ", ScenarioCatalog.All.Where(s => !s.InDefaultRun).Select(s => s.Name));

    internal static Command Create(StandardStreams io)
    {
        var scenarios = new Argument<string[]>("SCENARIO")
        {
            Description = $"The scenarios to run [default: all but {NamedOnly}, which installs wrk and nginx with apt-get if they are missing and runs only when named]: {ScenarioNames}.",
            HelpName = "SCENARIO",
            Arity = ArgumentArity.ZeroOrMore,
        };
        scenarios.CompletionSources.Add(ScenarioCatalog.All.Select(s => s.Name).ToArray());
        // Also where an unknown --option lands: the parser hands tokens it does not know to the argument.
        scenarios.Validators.Add(result =>
        {
            if (result.Tokens.FirstOrDefault(t => ScenarioCatalog.Find(t.Value) is null) is { } unknown)
            {
                result.AddError($"unknown scenario or option '{Echo.Of(unknown.Value)}' (scenarios: {ScenarioNames})");
            }
        });
        var quick = new Option<bool>("--quick") { Description = "Smaller sizes and shorter samples (under a minute)." };
        Option<string> outDir = CliOptions.Text("--out", "DIR", "a directory",
            "Where DIR/<timestamp>-results.md, -results.json and -scaling.svg and their latest-* copies go (checked to be "
            + "writable first) [default: bench/results of the repository in or above the current directory, else ./bench-results].");
        Option<int?> oneShotCount = CliOptions.WholeNumber("--oneshot-count", "C", min: 1,
            "eponeshotmt's -c, waits per waiter [default: 100000, quick 1000; the seed used 1000000].");
        var command = new Command("bench",
            "Measure the engine against its \"before\" designs and the kernel, side by side in this process, and (http) EventPoll's HTTP "
            + "server against nginx and Kestrel, with progress on standard error; print a table per scenario and the bar check of issues "
            + "4, 14, 15 and 17, and write the reports to DIR. Exit status 5: a scenario's tools are missing and could not be installed.")
        {
            scenarios, quick, outDir, oneShotCount,
        };
        command.SetAction(parsed =>
        {
            List<Scenario> chosen = [.. parsed.GetValue(scenarios)!.Select(name => ScenarioCatalog.Find(name)!).Distinct()];
            var options = new BenchOptions(parsed.GetValue(quick) ? BenchSize.Quick : BenchSize.Full) { OneShotCount = parsed.GetValue(oneShotCount) };
            return Run(chosen.Count == 0 ? ScenarioCatalog.Default : chosen, options, parsed.GetValue(outDir) ?? DefaultResultsDirectory(), io);
        });
        return command;
    }

    private static int Run(IReadOnlyList<Scenario> chosen, BenchOptions options, string dir, StandardStreams io)
    {
        OutputDirectory.Check("bench", "--out", dir);
        (TextWriter stdout, TextWriter stderr) = (io.Out, io.Error);
        stderr.WriteLine($"eventpoll bench ({(options.Size == BenchSize.Quick ? "quick" : "full")}): {string.Join(", ", chosen.Select(s => s.Name))}");
        BenchRun run;
        try
        {
            // Before the live display, so what it installs stays on the screen.
            BenchRun.Prepare(chosen, options with { Progress = stderr.WriteLine });
            run = io.Terminal.Stderr ? RunLive(chosen, options, stderr) : BenchRun.Execute(chosen, options with { Progress = new PlainProgress(stderr).Show });
        }
        catch (BenchSetupException e)
        {
            stderr.WriteLine($"eventpoll bench: {e.Message}");
            return CommandLine.SetupError;
        }

        string report = MarkdownReport.Render(run);
        if (io.Terminal.Stdout) TerminalReport.Write(Terminal.Live(stdout), report);
        else stdout.Write(report);
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

    /// <summary>The run under Spectre's live display: a spinner, the current step and the elapsed time, cleared at the end.</summary>
    private static BenchRun RunLive(IReadOnlyList<Scenario> chosen, BenchOptions options, TextWriter stderr) =>
        Terminal.Live(stderr).Progress()
            .AutoClear(true)
            .Columns(new SpinnerColumn(), new ElapsedTimeColumn(), new TaskDescriptionColumn { Alignment = Justify.Left })
            .Start(context =>
            {
                ProgressTask task = context.AddTask("starting").IsIndeterminate();
                return BenchRun.Execute(chosen, options with { Progress = status => task.Description = Markup.Escape(status) });
            });

    /// <summary>bench/results of the repository the command runs in (found from the current directory up), else ./bench-results.</summary>
    private static string DefaultResultsDirectory() =>
        Repository.RootAbove(Environment.CurrentDirectory) is { } root ? Path.Combine(root, "bench", "results") : Path.Combine(Environment.CurrentDirectory, "bench-results");

    /// <summary>Progress for logs and CI: one line per step on stderr, with the elapsed time.</summary>
    private sealed class PlainProgress(TextWriter stderr)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        internal void Show(string status) => stderr.WriteLine($"[{_clock.Elapsed.TotalSeconds,5:F1} s] {status}");
    }
}

using System.CommandLine;
using System.Diagnostics;
using EventPoll.Trace;
using EventPoll.Trace.Fuzz;
using Spectre.Console;

namespace EventPoll.Cli;

/// <summary>
/// <c>eventpoll fuzz [--seed S] [--count N] [--length L] [--backend B] [--out DIR]</c>: random traces run on the kernel and
/// on the contenders; the first divergence is shrunk to a minimal trace, printed, written to DIR, and the run exits 1.
/// </summary>
internal static class FuzzCommandLine
{
    /// <summary>The command with <paramref name="reference"/> (the kernel) held against <paramref name="contenders"/>, which <c>--backend</c> chooses from.</summary>
    internal static Command Create(StandardStreams io, Func<ITraceBackend> reference, IReadOnlyList<Contender> contenders)
    {
        Option<int?> seed = CliOptions.WholeNumber("--seed", "S", min: 0, "The random generator's seed (random unless given; the summary line names it).");
        Option<int?> count = CliOptions.WholeNumber("--count", "N", min: 1, "How many traces to generate [default: 1000].");
        Option<int?> length = CliOptions.WholeNumber("--length", "L", min: 1, "Commands per trace [default: 40].");
        Option<string> backend = CliOptions.Choice("--backend", [.. contenders.Select(c => c.Name), "all"],
            "The backend held against the kernel; mixed is judged by the mixed rule (docs/trace-format.md), and its placement "
            + "seed differs from trace to trace [default: all of them].");
        Option<string> outDir = CliOptions.Text("--out", "DIR", "a directory",
            "Where the shrunk trace of a divergence is written (checked to be writable first) [default: fuzz-failures].");
        var command = new Command("fuzz",
            "Run N random traces of L commands on the kernel and on the backends, with progress on standard error, and print a "
            + "summary line. The first divergence is shrunk to a minimal trace, printed, written to DIR, and the run exits 1. "
            + "Traces the kernel could not finish for want of descriptors are counted apart, not as divergences; so are mixed "
            + "runs that parted from the kernel's under the mixed rule (after which the two may rightly hold different events), "
            + "compared up to there.")
        {
            seed, count, length, backend, outDir,
        };
        command.SetAction(parsed =>
        {
            string chosen = parsed.GetValue(backend) ?? "all";
            var fuzz = new FuzzRun(reference, [.. contenders.Where(c => chosen == "all" || c.Name == chosen)]);
            return Run(parsed.GetValue(seed) ?? Random.Shared.Next(), parsed.GetValue(count) ?? 1000, parsed.GetValue(length) ?? 40,
                parsed.GetValue(outDir) ?? "fuzz-failures", io, fuzz);
        });
        return command;
    }

    private static int Run(int seed, int count, int length, string outDir, StandardStreams io, FuzzRun fuzz)
    {
        OutputDirectory.Check("fuzz", "--out", outDir);
        (TextWriter stdout, TextWriter stderr) = (io.Out, io.Error);
        stderr.WriteLine($"eventpoll fuzz: seed {seed}, {count} traces of {length} commands");
        FuzzRun.Outcome outcome = io.Terminal.Stderr
            ? RunLive(fuzz, seed, count, length, stderr)
            : fuzz.Run(seed, count, length, new PlainProgress(stderr, count).Report);
        int divergences = outcome.Divergence is null ? 0 : 1;
        if (outcome is { Diverged: { } contender, Minimal: { } minimal, Divergence: { } divergence })
        {
            Report(outDir, $"fuzz-{seed}-{outcome.Traces - 1}.trace",
                [$"# eventpoll fuzz --seed {seed} --length {length} --backend {contender.Name}: trace {outcome.Traces - 1}, shrunk to {minimal.Count} "
                    + $"commands; to rerun: eventpoll trace FILE --backend all --mix-seed {outcome.PlacementSeed}", .. minimal],
                contender, divergence, stdout, stderr);
        }

        string cutShort = outcome.OutOfDescriptors == 0 ? "" : $", {outcome.OutOfDescriptors} traces cut short by the process's descriptor limit";
        string parted = outcome.Parted == 0 ? "" : $", {outcome.Parted} mixed runs parted ({outcome.NotCompared} commands after a parting not compared)";
        stdout.WriteLine($"fuzz: seed {seed}, {outcome.Traces} traces, {outcome.Commands} commands, {divergences} divergences{cutShort}{parted}");
        return divergences == 0 ? CommandLine.Ok : CommandLine.Diverged;
    }

    /// <summary>The run under Spectre's live progress bar, with the commands run so far and the rate beside it.</summary>
    private static FuzzRun.Outcome RunLive(FuzzRun fuzz, int seed, int count, int length, TextWriter stderr) =>
        Terminal.Live(stderr).Progress()
            .Columns(new ProgressBarColumn(), new PercentageColumn(), new TaskDescriptionColumn { Alignment = Justify.Left }, new ElapsedTimeColumn())
            .Start(context =>
            {
                ProgressTask task = context.AddTask("starting", maxValue: count); // Spectre refuses an empty name
                var clock = Stopwatch.StartNew();
                return fuzz.Run(seed, count, length, (done, commands) =>
                {
                    task.Value = done;
                    task.Description = $"{done}/{count} traces  {commands} commands  {done / Math.Max(clock.Elapsed.TotalSeconds, 1e-3):F0} traces/s";
                });
            });

    /// <summary>
    /// Prints the shrunk trace to stdout first, so it survives a write that fails, then writes it to the
    /// directory and locates the difference in it.
    /// </summary>
    private static void Report(string outDir, string name, string[] trace, Contender contender, TraceDivergence divergence, TextWriter stdout, TextWriter stderr)
    {
        foreach (string line in trace) stdout.WriteLine(line);
        string path = Path.Combine(outDir, name);
        try
        {
            Directory.CreateDirectory(outDir);
            File.WriteAllLines(path, trace);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"eventpoll fuzz: cannot write {Echo.OfOpenedPath(path)}: {FailureReason.Of(e)} (the trace is on standard output)");
        }

        string at = TraceException.Location(path, divergence.SourceLine + 1); // the header comment shifts the file's lines by one
        stderr.WriteLine($"{at}: kernel:  {divergence.Reference ?? "(no line)"}");
        stderr.WriteLine($"{at}: {contender.Name + ":",-8} {divergence.Candidate ?? "(no line)"}");
    }

    /// <summary>Progress for logs and CI: a line on stderr at every tenth of the run.</summary>
    private sealed class PlainProgress(TextWriter stderr, int total)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _lastDecile;

        internal void Report(int done, long commands)
        {
            int decile = (int)(10L * done / total);
            if (decile == _lastDecile) return;
            _lastDecile = decile;
            double rate = done / Math.Max(_clock.Elapsed.TotalSeconds, 1e-3);
            stderr.WriteLine($"[{done}/{total}] {100.0 * done / total:F0}%  {commands} commands  {rate:F0} traces/s");
        }
    }
}

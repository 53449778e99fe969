using System.Diagnostics;
using EventPoll.Trace;
using EventPoll.Trace.Fuzz;

namespace EventPoll.Cli;

/// <summary>
/// <c>eventpoll fuzz [--seed S] [--count N] [--length L] [--out DIR]</c>: random traces run on the kernel and
/// the engine; the first divergence is shrunk to a minimal trace, printed, written to DIR, and the run exits 1.
/// </summary>
internal static class FuzzCommandLine
{
    /// <summary>Runs the command with <paramref name="reference"/> and <paramref name="candidate"/> as the two sides (the kernel and the engine).</summary>
    internal static int Run(ReadOnlySpan<string> args, TextWriter stdout, TextWriter stderr, Func<ITraceBackend> reference, Func<ITraceBackend> candidate)
    {
        int seed = Random.Shared.Next();
        int count = 1000, length = 40;
        string outDir = "fuzz-failures";
        var arguments = new ArgumentReader("fuzz", args);
        while (arguments.Next() is { } a)
        {
            switch (a)
            {
                case "-h" or "--help":
                    stdout.WriteLine(CommandLine.Usage);
                    return CommandLine.Ok;
                case "--seed":
                    seed = arguments.Number(a, min: 0);
                    break;
                case "--count":
                    count = arguments.Number(a, min: 1);
                    break;
                case "--length":
                    length = arguments.Number(a, min: 1);
                    break;
                case "--out":
                    outDir = arguments.Value(a, "a directory");
                    break;
                default:
                    throw arguments.Unknown(a);
            }
        }

        OutputDirectory.Check(arguments, "--out", outDir);
        stderr.WriteLine($"eventpoll fuzz: seed {seed}, {count} traces of {length} commands");
        var progress = new Progress(stderr, count);
        FuzzRun.Outcome outcome = new FuzzRun(reference, candidate).Run(seed, count, length, progress.Report);
        int divergences = outcome.Divergence is null ? 0 : 1;
        if (outcome is { Minimal: { } minimal, Divergence: { } divergence })
        {
            Report(outDir, $"fuzz-{seed}-{outcome.Traces - 1}.trace",
                [$"# eventpoll fuzz --seed {seed} --length {length}: trace {outcome.Traces - 1}, shrunk to {minimal.Count} commands", .. minimal],
                divergence, stdout, stderr);
        }

        string cutShort = outcome.OutOfDescriptors == 0 ? "" : $", {outcome.OutOfDescriptors} traces cut short by the process's descriptor limit";
        stdout.WriteLine($"fuzz: seed {seed}, {outcome.Traces} traces, {outcome.Commands} commands, {divergences} divergences{cutShort}");
        return divergences == 0 ? CommandLine.Ok : CommandLine.Diverged;
    }

    /// <summary>
    /// Prints the shrunk trace to stdout first, so it survives a write that fails, then writes it to the
    /// directory and locates the difference in it.
    /// </summary>
    private static void Report(string outDir, string name, string[] trace, TraceDivergence divergence, TextWriter stdout, TextWriter stderr)
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
        stderr.WriteLine($"{at}: managed: {divergence.Candidate ?? "(no line)"}");
    }

    /// <summary>A progress line on stderr: redrawn in place on a terminal, every 10% otherwise.</summary>
    private sealed class Progress(TextWriter stderr, int total)
    {
        private readonly bool _interactive = !Console.IsErrorRedirected;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _lastDraw = -1000;
        private int _lastDecile;

        internal void Report(int done, long commands)
        {
            int decile = (int)(10L * done / total);
            bool draw = _interactive ? _clock.ElapsedMilliseconds - _lastDraw >= 250 || done == total : decile != _lastDecile;
            if (!draw) return;
            _lastDraw = _clock.ElapsedMilliseconds;
            _lastDecile = decile;
            double rate = done / Math.Max(_clock.Elapsed.TotalSeconds, 1e-3);
            string line = $"[{done}/{total}] {100.0 * done / total:F0}%  {commands} commands  {rate:F0} traces/s";
            if (_interactive) stderr.Write("\r" + line + (done == total ? "\n" : ""));
            else stderr.WriteLine(line);
        }
    }
}

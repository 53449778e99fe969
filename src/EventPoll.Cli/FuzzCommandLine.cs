using System.Diagnostics;
using System.Globalization;
using EventPoll.Trace.Fuzz;

namespace EventPoll.Cli;

/// <summary>
/// <c>eventpoll fuzz [--seed S] [--count N] [--length L] [--out DIR]</c>: random traces run on the kernel and
/// the engine; the first divergence is shrunk to a minimal trace, written to DIR, and the run exits 1.
/// </summary>
internal static class FuzzCommandLine
{
    internal static int Run(ReadOnlySpan<string> args, TextWriter stdout, TextWriter stderr)
    {
        int seed = Random.Shared.Next();
        int count = 1000, length = 40;
        string outDir = "fuzz-failures";
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a is "-h" or "--help")
            {
                stdout.WriteLine(CommandLine.Usage);
                return CommandLine.Ok;
            }
            if (i + 1 == args.Length || !TryOption(a, args[++i], ref seed, ref count, ref length, ref outDir))
            {
                stderr.WriteLine($"eventpoll fuzz: bad option '{a}' (see eventpoll --help)");
                return CommandLine.UsageError;
            }
        }

        stderr.WriteLine($"eventpoll fuzz: seed {seed}, {count} traces of {length} commands");
        var progress = new Progress(stderr, count);
        FuzzRun.Outcome outcome = new FuzzRun(Backends.Kernel, Backends.Managed).Run(seed, count, length, progress.Report);
        int divergences = outcome.Divergence is null ? 0 : 1;
        if (outcome is { Minimal: { } minimal, Divergence: { } divergence })
        {
            Directory.CreateDirectory(outDir);
            string path = Path.Combine(outDir, $"fuzz-{seed}-{outcome.Traces - 1}.trace");
            File.WriteAllLines(path, [$"# eventpoll fuzz --seed {seed} --length {length}: trace {outcome.Traces - 1}, shrunk to {minimal.Count} commands", .. minimal]);
            int line = divergence.SourceLine; // the header comment shifts the file's lines by one
            stderr.WriteLine($"{path}:{line + 1}: kernel:  {divergence.Reference ?? "(no line)"}");
            stderr.WriteLine($"{path}:{line + 1}: managed: {divergence.Candidate ?? "(no line)"}");
        }
        stdout.WriteLine($"fuzz: seed {seed}, {outcome.Traces} traces, {outcome.Commands} commands, {divergences} divergences");
        return divergences == 0 ? CommandLine.Ok : CommandLine.Diverged;
    }

    private static bool TryOption(string option, string value, ref int seed, ref int count, ref int length, ref string outDir)
    {
        switch (option)
        {
            case "--seed": return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out seed);
            case "--count": return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out count) && count > 0;
            case "--length": return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out length) && length > 0;
            case "--out":
                outDir = value;
                return true;
            default: return false;
        }
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

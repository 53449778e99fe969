using System.Diagnostics;
using System.Globalization;

namespace EventPoll.Scenarios.Os;

/// <summary>
/// The C baseline of <see cref="WakeupLatency"/>: <c>wakeup.c</c> (embedded in this assembly), compiled with cc into a
/// directory of its own once per run, where this machine has a compiler. Each sample is one run of the program.
/// </summary>
internal sealed class CWakeup : IDisposable
{
    private readonly string _dir;
    private readonly string _program;

    private CWakeup(string dir)
    {
        _dir = dir;
        _program = Path.Combine(dir, "wakeup");
    }

    /// <summary>Compiles the program: null, with the reason, where that is not possible.</summary>
    internal static CWakeup? TryBuild(out string? whyNot)
    {
        whyNot = null;
        string? cc = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "cc")).FirstOrDefault(File.Exists);
        if (cc is null)
        {
            whyNot = "no C compiler (cc) on PATH";
            return null;
        }
        var built = new CWakeup(Directory.CreateTempSubdirectory("eventpoll-bench-").FullName);
        string source = Path.Combine(built._dir, "wakeup.c");
        using (Stream embedded = typeof(CWakeup).Assembly.GetManifestResourceStream("wakeup.c")!)
        using (FileStream file = File.Create(source))
        {
            embedded.CopyTo(file);
        }
        (int exit, string output) = Run(cc, "-O2", "-pthread", "-o", built._program, source);
        if (exit == 0) return built;
        built.Dispose();
        whyNot = $"cc failed ({exit}): {output.Split('\n')[0]}";
        return null;
    }

    /// <summary>Latencies in ns of <paramref name="rounds"/> wakeups, measured by the C program.</summary>
    internal double[] Measure(int rounds)
    {
        (int exit, string output) = Run(_program, rounds.ToString(CultureInfo.InvariantCulture));
        if (exit != 0) throw new InvalidOperationException($"the C wakeup program failed ({exit}): {output}");
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => double.Parse(line, CultureInfo.InvariantCulture))];
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Runs a program to its end: its exit code and standard output (standard error when that is empty).</summary>
    private static (int Exit, string Output) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Length > 0 ? output : error.Result);
    }
}

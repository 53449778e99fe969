using System.Diagnostics;
using EventPoll.Cli;

namespace EventPoll.Tests.Misuse;

/// <summary>The CLI in-process (its exit status and both streams), or as a real process under bash for what needs one.</summary>
internal static class CliRun
{
    /// <summary>The CLI dll the test project copies next to itself.</summary>
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "EventPoll.Cli.dll");

    /// <summary>Runs <c>eventpoll ARGS</c> in this process, with <paramref name="stdin"/> as standard input.</summary>
    public static (int Exit, string Stdout, string Stderr) InProcess(TextReader? stdin, params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        int exit = CommandLine.RunProcess(args, stdin ?? TextReader.Null, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>
    /// Runs <paramref name="script"/> under bash, where <c>$CLI</c> is <c>dotnet EventPoll.Cli.dll</c>; the process is
    /// killed (and the test fails) if it has not ended within <paramref name="seconds"/>.
    /// </summary>
    public static (int Exit, string Stdout, string Stderr) Process(string script, int seconds = 60)
    {
        var start = new ProcessStartInfo("bash", ["-c", script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.Environment["CLI"] = $"dotnet {Dll}";
        using var process = System.Diagnostics.Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(seconds)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{script}` still running after {seconds} s");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>A fresh empty directory under the temp directory.</summary>
    public static string TempDirectory() => Directory.CreateTempSubdirectory("eventpoll-misuse-").FullName;

    /// <summary>Writes <paramref name="text"/> to a fresh temp file and returns its path.</summary>
    public static string TempTrace(string text, string name = "t.trace")
    {
        string path = Path.Combine(TempDirectory(), name);
        File.WriteAllText(path, text);
        return path;
    }
}

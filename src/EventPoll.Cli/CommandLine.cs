using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Invocation;
using EventPoll.Trace;

namespace EventPoll.Cli;

/// <summary>
/// The <c>eventpoll</c> entry point: the commands, their help, <c>--version</c> and the <c>[suggest]</c> directive
/// come from System.CommandLine. Exit codes: 0 success, 1 a divergence between backends, 2 a usage error or a
/// malformed trace, 3 output that could not be written, 4 an internal error, 5 a benchmark's tools missing and not installable.
/// </summary>
internal static class CommandLine
{
    internal const int Ok = 0, Diverged = 1, UsageError = 2, OutputError = 3, InternalError = 4, SetupError = 5;

    /// <summary>
    /// Runs a command on the process's standard streams. A failed write to standard output or standard error
    /// ends the command with one line on standard error (when that still works) and exit status 3.
    /// </summary>
    internal static int RunProcess(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr, Terminal? terminal = null)
    {
        try
        {
            var io = new StandardStreams(stdin, new GuardedWriter(stdout, "standard output"), new GuardedWriter(stderr, "standard error"), terminal ?? Terminal.None);
            return Invoke(Root(io, Backends.Kernel, Contender.All), args, io);
        }
        catch (OutputFailedException e)
        {
            try
            {
                stderr.WriteLine($"eventpoll: {e.Message}");
            }
            catch (Exception again) when (again is IOException or UnauthorizedAccessException)
            {
                // standard error is what failed: the exit status is all that is left to say it
            }

            return OutputError;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug, not a user's mistake: one line, and the stack trace kept in a file for the report.
            stderr.WriteLine($"eventpoll: internal error: {e.GetType().Name}: {Echo.Of(e.Message)} (stack trace in {SaveCrashReport(e)})");
            return InternalError;
        }
    }

    /// <summary>The <c>eventpoll</c> command, with <c>fuzz</c> holding <paramref name="fuzzContenders"/> against <paramref name="fuzzReference"/>.</summary>
    internal static RootCommand Root(StandardStreams io, Func<ITraceBackend> fuzzReference, IReadOnlyList<Contender> fuzzContenders) =>
        new("Run epoll trace files on the EventPoll engine and the Linux kernel, fuzz one against the other, and benchmark them. "
            + "Exit status: 0 success (also when the only differences were the kernel running out of descriptors), 1 divergence, "
            + "2 usage error or malformed trace, 3 output that could not be written (standard output, standard error, or the "
            + "files of --out), 4 an internal error (one line names the exception and the file that holds its stack trace), 5 a bench "
            + "scenario's tools missing and not installable (bench http: wrk, nginx).")
        {
            TraceCommandLine.Create(io),
            FuzzCommandLine.Create(io, fuzzReference, fuzzContenders),
            BenchCommandLine.Create(io),
            EventPoll.Samples.Http.HttpServerCommand.Create(io.Out, io.Error),
        };

    /// <summary>
    /// Parses and runs <paramref name="args"/>. A parse error is one line and exit status 2, without the help text
    /// System.CommandLine would print after it; exceptions reach <see cref="RunProcess"/>, which knows their exit status.
    /// </summary>
    internal static int Invoke(RootCommand root, string[] args, StandardStreams io)
    {
        // No @response files: an argument starting with @ is a trace file's name, as it always was.
        ParseResult parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Action is ParseErrorAction)
        {
            io.Error.WriteLine(ParseErrorLine.Of(parsed));
            return UsageError;
        }

        try
        {
            return parsed.Invoke(new InvocationConfiguration
            {
                Output = io.Out,
                Error = io.Error,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null, // Ctrl+C ends the process at once, as it always did
            });
        }
        catch (UsageException e)
        {
            io.Error.WriteLine(e.Message);
            return UsageError;
        }
    }

    /// <summary>Writes the exception with its stack trace to a temporary file and returns the path (or why it could not).</summary>
    private static string SaveCrashReport(Exception e)
    {
        try
        {
            string path = Path.Combine(Path.GetTempPath(), $"eventpoll-crash-{Environment.ProcessId}.txt");
            File.WriteAllText(path, e.ToString());
            return path;
        }
        catch (Exception write) when (write is IOException or UnauthorizedAccessException)
        {
            return $"no file: {write.Message}";
        }
    }
}

using EventPoll.Trace;

namespace EventPoll.Cli;

/// <summary>
/// The <c>eventpoll</c> entry point: picks the subcommand. Exit codes: 0 success, 1 a divergence between
/// backends, 2 a usage error or a malformed trace, 3 output that could not be written.
/// </summary>
internal static class CommandLine
{
    internal const int Ok = 0, Diverged = 1, UsageError = 2, OutputError = 3, InternalError = 4;

    internal const string Usage = """
        usage: eventpoll <command> [arguments]

        commands:
          trace FILE... [--backend managed|kernel|both]
              Run trace files (format: docs/trace-format.md; FILE - reads standard input, named
              <stdin> in the output) and print each command's result as it completes.
              managed  through the EventPoll engine (default)
              kernel   through the running Linux kernel's system calls
              both     on both; print the kernel's output, report the first differing line of each
                       file that diverges, and exit 1 if any did. When the kernel's first difference
                       is EMFILE or ENFILE (this process's descriptors ran out, the runtime holds
                       dozens), that is reported as an environment limit, not a divergence.

          fuzz [--seed S] [--count N] [--length L] [--out DIR]
              Generate N random traces of L commands (default 1000 x 40; seed random unless given),
              run each on the kernel and the engine, show progress, and print a summary line.
              On the first divergence, shrink the trace to a minimal one, print it, write it to
              DIR (default fuzz-failures), and exit 1. Traces the kernel could not finish for
              want of descriptors are counted apart in the summary, not as divergences.

          bench [SCENARIO...] [--quick] [--out DIR] [--oneshot-count C]
              Measure the engine against its "before" designs and the kernel, side by side in this
              process, with progress on stderr; print a table per scenario and the bar check of
              issue 4, and write DIR/<timestamp>-results.md, -results.json and -scaling.svg (and
              latest-* copies; DIR defaults to bench/results). Scenarios (default all): micro,
              connrate, oneshot, lt-single, fanout, memory, alloc, alternatives. --quick: smaller
              sizes and shorter samples (under a minute). --oneshot-count: eponeshotmt's -c
              (default 100000, quick 1000; the seed used 1000000).

        options:
          -h, --help   show this text

        Options are checked before any work: an --out directory must be writable (a probe file
        is created and deleted), numbers must be whole and in range.

        exit status: 0 success (also when the only differences were the kernel running out of
        descriptors), 1 divergence, 2 usage error or malformed trace, 3 output that could not
        be written (standard output, standard error, or the files of --out), 4 an internal
        error (a bug: one line names the exception and the file that holds its stack trace)
        """;

    /// <summary>
    /// Runs a command on the process's standard streams. A failed write to standard output or standard error
    /// ends the command with one line on standard error (when that still works) and exit status 3.
    /// </summary>
    internal static int RunProcess(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            return Run(args, stdin, new GuardedWriter(stdout, "standard output"), new GuardedWriter(stderr, "standard error"));
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

    internal static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0)
        {
            stderr.WriteLine(Usage);
            return UsageError;
        }

        try
        {
            switch (args[0])
            {
                case "-h" or "--help" or "help":
                    stdout.WriteLine(Usage);
                    return Ok;
                case "trace":
                    return TraceCommandLine.Run(args.AsSpan(1), stdin, stdout, stderr);
                case "fuzz":
                    return FuzzCommandLine.Run(args.AsSpan(1), stdout, stderr, Backends.Kernel, Backends.Managed);
                case "bench":
                    return BenchCommandLine.Run(args.AsSpan(1), stdout, stderr);
                default:
                    stderr.WriteLine($"eventpoll: unknown command '{Echo.Of(args[0])}' (see eventpoll --help)");
                    return UsageError;
            }
        }
        catch (UsageException e)
        {
            stderr.WriteLine(e.Message);
            return UsageError;
        }
    }
}

namespace EventPoll.Cli;

/// <summary>
/// The <c>eventpoll</c> entry point: picks the subcommand. Exit codes: 0 success, 1 a divergence between
/// backends, 2 a usage error or a malformed trace.
/// </summary>
internal static class CommandLine
{
    internal const int Ok = 0, Diverged = 1, UsageError = 2;

    internal const string Usage = """
        usage: eventpoll <command> [arguments]

        commands:
          trace FILE... [--backend managed|kernel|both]
              Run trace files (format: docs/trace-format.md) and print each command's result.
              managed  through the EventPoll engine (default)
              kernel   through the running Linux kernel's system calls
              both     on both; print the kernel's output, report the first differing line of each
                       file that diverges, and exit 1 if any did

          fuzz [--seed S] [--count N] [--length L] [--out DIR]
              Generate N random traces of L commands (default 1000 x 40; seed random unless given),
              run each on the kernel and the engine, show progress, and print a summary line.
              On the first divergence, shrink the trace to a minimal one, write it to DIR
              (default fuzz-failures), and exit 1.

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

        exit status: 0 success, 1 divergence, 2 usage error or malformed trace
        """;

    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0)
        {
            stderr.WriteLine(Usage);
            return UsageError;
        }

        switch (args[0])
        {
            case "-h" or "--help" or "help":
                stdout.WriteLine(Usage);
                return Ok;
            case "trace":
                return TraceCommandLine.Run(args.AsSpan(1), stdout, stderr);
            case "fuzz":
                return FuzzCommandLine.Run(args.AsSpan(1), stdout, stderr);
            case "bench":
                return BenchCommandLine.Run(args.AsSpan(1), stdout, stderr);
            default:
                stderr.WriteLine($"eventpoll: unknown command '{args[0]}' (see eventpoll --help)");
                return UsageError;
        }
    }
}

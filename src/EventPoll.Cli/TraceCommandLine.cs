using EventPoll.Trace;

namespace EventPoll.Cli;

/// <summary><c>eventpoll trace FILE... [--backend managed|kernel|both]</c>.</summary>
internal static class TraceCommandLine
{
    internal static int Run(ReadOnlySpan<string> args, TextWriter stdout, TextWriter stderr)
    {
        var files = new List<string>();
        string backend = "managed";
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a == "--backend")
            {
                if (i + 1 == args.Length)
                {
                    stderr.WriteLine("eventpoll trace: --backend needs a value (managed, kernel or both)");
                    return CommandLine.UsageError;
                }

                backend = args[++i];
            }
            else if (a.StartsWith("--backend=", StringComparison.Ordinal))
            {
                backend = a["--backend=".Length..];
            }
            else if (a is "-h" or "--help")
            {
                stdout.WriteLine(CommandLine.Usage);
                return CommandLine.Ok;
            }
            else if (a.StartsWith('-') && a != "-")
            {
                stderr.WriteLine($"eventpoll trace: unknown option '{a}'");
                return CommandLine.UsageError;
            }
            else
            {
                files.Add(a);
            }
        }

        if (files.Count == 0)
        {
            stderr.WriteLine("eventpoll trace: no trace FILE given (see eventpoll --help)");
            return CommandLine.UsageError;
        }

        if (backend is not ("managed" or "kernel" or "both"))
        {
            stderr.WriteLine($"eventpoll trace: unknown backend '{backend}' (expected managed, kernel or both)");
            return CommandLine.UsageError;
        }

        try
        {
            List<TraceFile> traces = files.ConvertAll(Load);
            return backend switch
            {
                "kernel" => RunSingle(traces, Backends.Kernel, stdout),
                "managed" => RunSingle(traces, Backends.Managed, stdout),
                _ => RunBoth(traces, Backends.Managed, stdout, stderr),
            };
        }
        catch (TraceException e)
        {
            stdout.Flush();
            stderr.WriteLine(e.Message);
            return CommandLine.UsageError;
        }
        catch (PlatformNotSupportedException e)
        {
            stderr.WriteLine($"eventpoll trace: {e.Message}");
            return CommandLine.UsageError;
        }
    }

    private static TraceFile Load(string path)
    {
        try
        {
            return TraceParser.Load(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TraceException(path, 0, $"cannot read: {e.Message}");
        }
    }

    private static int RunSingle(List<TraceFile> traces, Func<ITraceBackend> factory, TextWriter stdout)
    {
        foreach (TraceFile trace in traces)
        {
            using ITraceBackend backend = factory();
            Print(TraceRunner.Run(trace, backend), stdout);
        }

        return CommandLine.Ok;
    }

    private static int RunBoth(List<TraceFile> traces, Func<ITraceBackend> managed, TextWriter stdout, TextWriter stderr)
    {
        int diverged = 0;
        foreach (TraceFile trace in traces)
        {
            DifferentialRun.Result r = DifferentialRun.Run(trace, Backends.Kernel, managed);
            Print(r.Reference, stdout);
            if (r.Divergence is { } d)
            {
                diverged++;
                stdout.Flush();
                stderr.WriteLine($"{d.Path}:{d.SourceLine}: backends diverge");
                stderr.WriteLine($"  kernel:  {d.Reference ?? "(no more output)"}");
                stderr.WriteLine($"  managed: {d.Candidate ?? "(no more output)"}");
            }
        }

        if (diverged > 0)
        {
            stderr.WriteLine($"eventpoll trace: {diverged} of {traces.Count} trace(s) diverge");
        }

        return diverged > 0 ? CommandLine.Diverged : CommandLine.Ok;
    }

    private static void Print(List<TraceLine> lines, TextWriter stdout)
    {
        foreach (TraceLine line in lines)
        {
            stdout.WriteLine(line.Text);
        }
    }
}

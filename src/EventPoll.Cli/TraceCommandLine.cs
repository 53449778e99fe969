using EventPoll.Trace;

namespace EventPoll.Cli;

/// <summary>
/// <c>eventpoll trace FILE... [--backend managed|kernel|both]</c>: each file is parsed and run as it is read, line
/// by line, and each command's result is printed as soon as it is known.
/// </summary>
internal static class TraceCommandLine
{
    /// <summary>What <c>-</c> (standard input) is called in the <c>==</c> header and in <c>FILE:LINE</c> messages.</summary>
    internal const string StdinName = "<stdin>";

    internal static int Run(ReadOnlySpan<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var files = new List<string>();
        string backend = "managed";
        var arguments = new ArgumentReader("trace", args);
        while (arguments.Next() is { } a)
        {
            switch (a)
            {
                case "-h" or "--help":
                    stdout.WriteLine(CommandLine.Usage);
                    return CommandLine.Ok;
                case "--backend":
                    backend = arguments.Value(a, "a value (managed, kernel or both)");
                    break;
                case not "-" when a.StartsWith('-'):
                    throw arguments.Unknown(a);
                default:
                    files.Add(a);
                    break;
            }
        }

        CheckFiles(arguments, files);
        Func<ITraceBackend>? single = backend switch
        {
            "managed" => Backends.Managed,
            "kernel" => Backends.Kernel,
            "both" => null,
            _ => throw arguments.Error($"unknown backend '{Echo.Of(backend)}' (expected managed, kernel or both)"),
        };

        string reading = "";
        try
        {
            int diverged = 0;
            foreach (string file in files)
            {
                reading = file == "-" ? StdinName : file;
                using StreamReader? opened = file == "-" ? null : new StreamReader(file);
                IEnumerable<TraceCommand> commands = TraceParser.Read(reading, opened ?? stdin);
                if (single is not null)
                {
                    using ITraceBackend b = single();
                    TraceRunner.Run(reading, commands, b, line => stdout.WriteLine(line.Text));
                }
                else if (RunBoth(reading, commands, stdout, stderr))
                {
                    diverged++;
                }
            }

            if (diverged == 0) return CommandLine.Ok;
            stderr.WriteLine($"eventpoll trace: {diverged} of {files.Count} trace(s) diverge");
            return CommandLine.Diverged;
        }
        catch (TraceException e)
        {
            stdout.Flush();
            stderr.WriteLine(e.Message);
            return CommandLine.UsageError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only the trace files are read here; failed writes to stdout and stderr are OutputFailedException.
            stdout.Flush();
            stderr.WriteLine($"{Echo.OfOpenedPath(reading)}: cannot read: {FailureReason.Of(e)}");
            return CommandLine.UsageError;
        }
        catch (PlatformNotSupportedException e)
        {
            stderr.WriteLine($"eventpoll trace: {e.Message}");
            return CommandLine.UsageError;
        }
    }

    /// <summary>Refuses, before anything runs, what cannot be a trace file: nothing given, a directory, a missing file, stdin twice.</summary>
    private static void CheckFiles(ArgumentReader arguments, List<string> files)
    {
        if (files.Count == 0) throw arguments.Error("no trace FILE given (see eventpoll --help)");
        if (files.Count(f => f == "-") > 1) throw arguments.Error("'-' (standard input) can be read only once");
        foreach (string file in files.Where(f => f != "-"))
        {
            if (Directory.Exists(file)) throw arguments.Error($"'{Echo.Of(file)}' is a directory, not a trace file");
            if (!File.Exists(file)) throw arguments.Error($"'{Echo.Of(file)}': no such file");
        }
    }

    /// <summary>Runs one trace on the kernel and the engine in lockstep, printing the kernel's lines; true when they diverge.</summary>
    private static bool RunBoth(string path, IEnumerable<TraceCommand> commands, TextWriter stdout, TextWriter stderr)
    {
        TraceDivergence? d = DifferentialRun.Run(path, commands, Backends.Kernel, Backends.Managed, line => stdout.WriteLine(line.Text));
        if (d is null) return false;

        stdout.Flush();
        string at = TraceException.Location(d.Path, d.SourceLine);
        if (d.ReferenceOutOfDescriptors)
        {
            // Reported once the run is over and the trace's descriptors are closed again, so the count is the process's own.
            stderr.WriteLine($"{at}: the kernel backend ran out of descriptors ({ProcessDescriptors.Describe()}); not a divergence");
            return false;
        }

        stderr.WriteLine($"{at}: backends diverge");
        stderr.WriteLine($"  kernel:  {d.Reference ?? "(no more output)"}");
        stderr.WriteLine($"  managed: {d.Candidate ?? "(no more output)"}");
        return true;
    }
}

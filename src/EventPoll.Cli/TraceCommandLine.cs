using System.CommandLine;
using System.CommandLine.Parsing;
using EventPoll.Trace;

namespace EventPoll.Cli;

/// <summary>
/// <c>eventpoll trace FILE... [--backend managed|kernel|os|mixed|both|all] [--mix-seed S]</c>: each file is parsed and
/// run as it is read, line by line, and each command's result is printed as soon as it is known.
/// </summary>
internal static class TraceCommandLine
{
    /// <summary>What <c>-</c> (standard input) is called in the <c>==</c> header and in <c>FILE:LINE</c> messages.</summary>
    internal const string StdinName = "<stdin>";

    internal static Command Create(StandardStreams io)
    {
        var files = new Argument<string[]>("FILE")
        {
            Description = "Trace files (format: docs/trace-format.md); - reads standard input, named <stdin> in the output.",
            // Checked by the command's validator, which says what is missing in this CLI's words.
            Arity = ArgumentArity.ZeroOrMore,
        };
        Option<string> backend = CliOptions.Choice("--backend", ["managed", "kernel", "os", "mixed", "both", "all"],
            "managed: the EventPoll engine; kernel: the running kernel's system calls; os: engine instances watching real OS "
            + "sources; mixed: engine instances, each source in-process or in the OS by its name and --mix-seed; both: kernel and "
            + "managed, printing the kernel's output, reporting the first differing line of each file that diverges and "
            + "exiting 1 (a kernel that runs out of descriptors first, EMFILE or ENFILE, is an environment limit, not a "
            + "divergence); all: as both, against managed, os and mixed (mixed under the mixed rule) [default: managed].");
        Option<int?> mixSeed = CliOptions.WholeNumber("--mix-seed", "S", min: 0, "The mixed backend's placement seed [default: 0].");

        var command = new Command("trace", "Run trace files and print each command's result as it completes.") { files, backend, mixSeed };
        command.Validators.Add(result => CheckFiles(result, result.GetValue(files) ?? []));
        command.SetAction(parsed => Run(parsed.GetValue(files)!, parsed.GetValue(backend) ?? "managed", parsed.GetValue(mixSeed) ?? 0, io));
        return command;
    }

    /// <summary>
    /// Refuses, before anything runs, what cannot be a trace file: an unknown option (the parser hands those to
    /// FILE), nothing given, a directory, a missing file, stdin twice.
    /// </summary>
    private static void CheckFiles(CommandResult result, string[] files)
    {
        string? error = files.FirstOrDefault(f => f.StartsWith('-') && f != "-") is { } option
            ? $"unknown option '{Echo.Of(option)}' (see eventpoll trace --help)"
            : files.Length == 0 ? "no trace FILE given (see eventpoll trace --help)"
            : files.Count(f => f == "-") > 1 ? "'-' (standard input) can be read only once"
            : files.Where(f => f != "-").Select(FileError).FirstOrDefault(e => e is not null);
        if (error is not null) result.AddError(error);
    }

    private static string? FileError(string file) =>
        Directory.Exists(file) ? $"'{Echo.Of(file)}' is a directory, not a trace file"
        : !File.Exists(file) ? $"'{Echo.Of(file)}': no such file"
        : null;

    private static int Run(string[] files, string backend, int mixSeed, StandardStreams io)
    {
        (TextReader stdin, TextWriter stdout, TextWriter stderr) = (io.In, io.Out, io.Error);
        Func<ITraceBackend>? single = backend == "kernel" ? Backends.Kernel
            : Contender.All.FirstOrDefault(c => c.Name == backend) is { } one ? () => one.Create(mixSeed)
            : null; // both, all
        IReadOnlyList<Contender> contenders = backend == "all" ? Contender.All : [Contender.Managed];

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
                else if (RunCompared(reading, commands, contenders, mixSeed, stdout, stderr))
                {
                    diverged++;
                }
            }

            if (diverged == 0) return CommandLine.Ok;
            stderr.WriteLine($"eventpoll trace: {diverged} of {files.Length} trace(s) diverge");
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

    /// <summary>
    /// Runs one trace on the kernel and the contenders in lockstep, printing the kernel's lines; true when one diverges.
    /// A mixed run that parted under the mixed rule is noted, with the line up to which it was compared.
    /// </summary>
    private static bool RunCompared(string path, IEnumerable<TraceCommand> commands, IReadOnlyList<Contender> contenders, int mixSeed,
        TextWriter stdout, TextWriter stderr)
    {
        List<DifferentialRun.Comparison> comparisons =
            DifferentialRun.Run(path, commands, Backends.Kernel, contenders, mixSeed, line => stdout.WriteLine(line.Text));
        stdout.Flush();
        bool diverged = false, outOfDescriptors = false;
        foreach ((Contender contender, TraceDivergence? d, int partedAt) in comparisons)
        {
            if (partedAt > 0)
            {
                stderr.WriteLine($"{TraceException.Location(path, partedAt)}: {contender.Name}: the runs part here under the mixed rule; compared up to this line");
            }
            if (d is null) continue;
            if (d.ReferenceOutOfDescriptors)
            {
                outOfDescriptors = true;
                continue;
            }
            diverged = true;
            stderr.WriteLine($"{TraceException.Location(d.Path, d.SourceLine)}: backends diverge");
            stderr.WriteLine($"  kernel:  {d.Reference ?? "(no more output)"}");
            stderr.WriteLine($"  {contender.Name + ":",-8} {d.Candidate ?? "(no more output)"}");
        }

        if (outOfDescriptors)
        {
            // Reported once the run is over and the trace's descriptors are closed again, so the count is the process's own.
            TraceDivergence first = comparisons.Select(c => c.Divergence).First(d => d is { ReferenceOutOfDescriptors: true })!;
            stderr.WriteLine($"{TraceException.Location(path, first.SourceLine)}: the kernel backend ran out of descriptors ({ProcessDescriptors.Describe()}); not a divergence");
        }

        return diverged;
    }
}

using System.Text.RegularExpressions;
using EventPoll.Cli;
using EventPoll.Tests.Traces;
using EventPoll.Trace;
using Xunit;

namespace EventPoll.Tests.Misuse;

/// <summary>
/// Issue 12, item 7: the CLI never ends in a stack trace. Each misuse ends in one line that names the option,
/// value or FILE:LINE at fault, with exit status 2 (usage, malformed trace) or 3 (output that cannot be written).
/// In the trace corpus collection because these runs open descriptors, which the kernel-backend tests count.
/// </summary>
[Collection(nameof(TraceCorpusCollection))]
public class CliMisuseTests
{
    [Theory]
    [InlineData("eventpoll bench: --out needs a directory", "bench", "--out")]
    [InlineData("eventpoll bench: --out needs a directory", "bench", "--out=")]
    [InlineData("eventpoll bench: --oneshot-count must be a positive whole number, got '-1'", "bench", "--oneshot-count", "-1")]
    [InlineData("eventpoll bench: --oneshot-count needs a positive whole number", "bench", "--oneshot-count")]
    [InlineData("eventpoll bench: --oneshot-count must be at most 2147483647, got '99999999999'", "bench", "--oneshot-count", "99999999999")]
    [InlineData("eventpoll bench: unknown scenario or option 'yes' (scenarios: micro, connrate, oneshot, lt-single, fanout, memory, alloc, alternatives, os, http)", "bench", "--quick=yes")]
    [InlineData("eventpoll fuzz: --seed must be a whole number, got 'x'", "fuzz", "--seed", "x")]
    [InlineData("eventpoll fuzz: --count must be a positive whole number, got '0'", "fuzz", "--count", "0")]
    [InlineData("eventpoll fuzz: --length must be a positive whole number, got '-3'", "fuzz", "--length=-3")]
    [InlineData("eventpoll fuzz: --out needs a directory", "fuzz", "--out")]
    [InlineData("eventpoll fuzz: unknown option '--frob' (see eventpoll fuzz --help)", "fuzz", "--frob", "1")]
    [InlineData("eventpoll trace: --backend needs a value (managed, kernel, os, mixed, both or all)", "trace", "/dev/null", "--backend")]
    [InlineData("eventpoll trace: unknown backend 'frob' (expected managed, kernel, os, mixed, both or all)", "trace", "/dev/null", "--backend=frob")]
    [InlineData("eventpoll trace: no trace FILE given (see eventpoll trace --help)", "trace")]
    [InlineData("eventpoll trace: unknown option '--frob' (see eventpoll trace --help)", "trace", "--frob")]
    [InlineData("eventpoll: no command given (commands: trace, fuzz, bench, serve; see eventpoll --help)")]
    public void Options_BadOrMissingValue_OneLineNamingTheOptionAndValue(string message, params string[] args)
    {
        (int exit, string stdout, string stderr) = CliRun.InProcess(null, args);
        Assert.Equal((CommandLine.UsageError, "", message + "\n"), (exit, stdout, stderr));
    }

    [Fact]
    public void Bench_UnwritableOut_RefusedBeforeAnyWork()
    {
        string notADirectory = CliRun.TempTrace("");
        (int exit, string stdout, string stderr) = CliRun.InProcess(null, "bench", "micro", "--quick", "--out", notADirectory + "/results");
        Assert.Equal(CommandLine.UsageError, exit);
        Assert.Equal("", stdout); // no report: nothing ran
        Assert.Equal($"eventpoll bench: --out '{notADirectory}/results' is not a writable directory: a directory on the path is missing or is not a directory\n", stderr);
    }

    [Fact]
    public void Fuzz_UnwritableOut_RefusedBeforeAnyWork()
    {
        string notADirectory = CliRun.TempTrace("");
        (int exit, string stdout, string stderr) = CliRun.InProcess(null, "fuzz", "--count", "1", "--out", notADirectory);
        Assert.Equal(CommandLine.UsageError, exit);
        Assert.Equal("", stdout);
        Assert.StartsWith($"eventpoll fuzz: --out '{notADirectory}' is not a writable directory: ", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Fuzz_WritableOutDoesNotExist_ProbeLeavesNothingBehind()
    {
        string dir = Path.Combine(CliRun.TempDirectory(), "failures");
        int exit = Fuzz(["--count", "1", "--length", "5", "--out", dir], new StringWriter(), new StringWriter(), new Contender("managed", _ => Managed()));
        Assert.Equal(CommandLine.Ok, exit);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void Fuzz_DivergenceThatCannotBeWritten_ShrunkTraceStillPrinted()
    {
        string dir = CliRun.TempDirectory();
        Directory.CreateDirectory(Path.Combine(dir, "fuzz-1-0.trace")); // the write of the shrunk trace will fail
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };

        int exit = Fuzz(["--seed", "1", "--count", "1", "--length", "40", "--out", dir], stdout, stderr, Recording);

        Assert.Equal(CommandLine.Diverged, exit);
        string[] printed = stdout.ToString().TrimEnd('\n').Split('\n');
        Assert.StartsWith("# eventpoll fuzz --seed 1 --length 40 --backend managed: trace 0, shrunk to ", printed[0], StringComparison.Ordinal);
        Assert.NotNull(new Trace.Fuzz.FuzzRun(Managed, []).Diverge("printed", printed[1..^1], Recording, 0)); // the printed trace is the finding
        Assert.Equal("fuzz: seed 1, 1 traces, 40 commands, 1 divergences", printed[^1]);
        Assert.Contains($"eventpoll fuzz: cannot write {dir}/fuzz-1-0.trace: ", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Trace_StdinDash_ReadsStandardInput()
    {
        (int exit, string stdout, string stderr) = CliRun.InProcess(new StringReader("epoll ep\nwait ep 1 0\n"), "trace", "-");
        Assert.Equal((CommandLine.Ok, "== <stdin>\nepoll ep => ok\nwait ep 1 0 => ok 0\n", ""), (exit, stdout, stderr));
    }

    [Fact]
    public void Trace_StdinErrors_AreLocatedAtStdin()
    {
        (int exit, _, string stderr) = CliRun.InProcess(new StringReader("epoll ep\nfrob\n"), "trace", "-");
        Assert.Equal((CommandLine.UsageError, "<stdin>:2: unknown command 'frob'\n"), (exit, stderr));
    }

    [Fact]
    public void Trace_Directory_SaysItIsADirectory()
    {
        string dir = CliRun.TempDirectory();
        (int exit, string stdout, string stderr) = CliRun.InProcess(null, "trace", dir);
        Assert.Equal((CommandLine.UsageError, "", $"eventpoll trace: '{dir}' is a directory, not a trace file\n"), (exit, stdout, stderr));
    }

    [Fact]
    public void Trace_LineOverTheLimit_ReportedWithoutReadingTheRest()
    {
        var input = new StringReader("epoll ep\n" + new string('x', TraceParser.MaxLineLength + 1) + "\n");
        (int exit, string stdout, string stderr) = CliRun.InProcess(input, "trace", "-");
        Assert.Equal(CommandLine.UsageError, exit);
        Assert.Equal("== <stdin>\nepoll ep => ok\n", stdout);
        Assert.Equal("<stdin>:2: line longer than 4096 characters\n", stderr);
    }

    [Fact]
    public void Trace_LineAtTheLimit_IsParsed()
    {
        string comment = "epoll ep #";
        var input = new StringReader(comment + new string('x', TraceParser.MaxLineLength - comment.Length) + "\n");
        Assert.Equal(CommandLine.Ok, CliRun.InProcess(input, "trace", "-").Exit);
    }

    [Theory]
    [InlineData("frob\0x", "<stdin>:1: unknown command 'frob\\x00x'")]
    [InlineData("eventfd caf\u00e9", "<stdin>:1: eventfd: invalid name 'caf\\u00e9' for NAME")]
    [InlineData("eventfd e \x1b[2J", "<stdin>:1: eventfd: INIT '\\x1b[2J' is not an unsigned 32-bit decimal")]
    public void Trace_ControlAndNonAsciiInput_EchoedEscaped(string line, string message)
    {
        (_, _, string stderr) = CliRun.InProcess(new StringReader(line), "trace", "-");
        Assert.Equal(message + "\n", stderr);
    }

    [Fact]
    public void Trace_HugeToken_EchoCutTo80Characters()
    {
        string token = new('y', 4000);
        (_, _, string stderr) = CliRun.InProcess(new StringReader(token), "trace", "-");
        string echo = $"'{new string('y', Echo.MaxLength - Echo.CutMarker.Length)}{Echo.CutMarker}'";
        Assert.Equal($"<stdin>:1: unknown command {echo}\n", stderr);
    }

    [Fact]
    public void UnknownCommand_HugeArgumentWithNul_EchoEscapedAndCut()
    {
        (int exit, _, string stderr) = CliRun.InProcess(null, "\0" + new string('z', 10_000_000));
        Assert.Equal(CommandLine.UsageError, exit);
        Assert.Equal($"eventpoll: unknown command '\\x00{new string('z', Echo.MaxLength - 4 - Echo.CutMarker.Length)}...' (see eventpoll --help)\n", stderr);
    }

    [Fact]
    public void Trace_Managed_PrintsEachResultBeforeReadingTheNextLine() => AssertStreams("managed");

    [LinuxFact]
    public void Trace_Both_PrintsEachResultBeforeReadingTheNextLine() => AssertStreams("both");

    private static void AssertStreams(string backend)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var input = new SnapshotReader("epoll ep\neventfd e 1\nctl ep add e IN 7\nwait ep 4 0\n", stdout);
        int exit = CommandLine.RunProcess(["trace", "-", "--backend", backend], input, stdout, new StringWriter());
        Assert.Equal(CommandLine.Ok, exit);
        Assert.Equal("== <stdin>\nepoll ep => ok\neventfd e 1 => ok\nctl ep add e IN 7 => ok\n", input.OutputBeforeLine[4]);
        Assert.EndsWith("wait ep 4 0 => ok 1 (IN,7)\n", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AnInternalError_IsOneLine_WithTheStackTraceKeptInAFile()
    {
        (int exit, string stdout, string stderr) = CliRun.InProcess(new FailingReader(), "trace", "-");
        Assert.Equal(CommandLine.InternalError, exit);
        Assert.Equal("== <stdin>\n", stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Match m = Regex.Match(line, @"^eventpoll: internal error: InvalidOperationException: a bug in the reader \(stack trace in (.+)\)$");
        Assert.True(m.Success, line);
        string report = File.ReadAllText(m.Groups[1].Value);
        Assert.Contains(nameof(FailingReader), report, StringComparison.Ordinal); // the frame that threw
        File.Delete(m.Groups[1].Value);
    }

    /// <summary>Standard input whose reads fail with an exception nothing expects, standing in for a bug.</summary>
    private sealed class FailingReader : TextReader
    {
        public override int Read() => throw Bug();

        public override int Read(char[] buffer, int index, int count) => throw Bug();

        public override string? ReadLine() => throw Bug();

        private static InvalidOperationException Bug() => new("a bug in the reader");
    }

    /// <summary>Standard input that records what had been printed when the first character of each line was read.</summary>
    private sealed class SnapshotReader(string text, StringWriter stdout) : TextReader
    {
        private int _position;

        public Dictionary<int, string> OutputBeforeLine { get; } = [];

        public override int Peek() => _position < text.Length ? text[_position] : -1;

        public override int Read()
        {
            if (_position == text.Length) return -1;
            if (_position == 0 || text[_position - 1] == '\n')
            {
                OutputBeforeLine[OutputBeforeLine.Count + 1] = stdout.ToString();
            }

            return text[_position++];
        }
    }

    private static ITraceBackend Managed() => new ManagedBackend();

    // The recording backend answers every wait with 0 events and every poll with 0: the engine does not.
    private static readonly Contender Recording = new("managed", _ => new RecordingBackend());

    /// <summary><c>eventpoll fuzz ARGS</c> with the engine as the reference side and <paramref name="candidate"/> as the other.</summary>
    private static int Fuzz(string[] args, StringWriter stdout, StringWriter stderr, Contender candidate)
    {
        var io = new StandardStreams(TextReader.Null, stdout, stderr, Terminal.None);
        return CommandLine.Invoke(CommandLine.Root(io, Managed, [candidate]), ["fuzz", .. args], io);
    }
}

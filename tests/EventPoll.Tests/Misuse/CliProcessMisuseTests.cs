using EventPoll.Cli;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Misuse;

/// <summary>
/// Misuse that needs a real process: standard streams that fail, inputs that never end, waits that never return,
/// and a descriptor limit lower than the runtime's own needs. Each run is bounded by a timeout.
/// </summary>
[Collection(nameof(TraceCorpusCollection))]
public class CliProcessMisuseTests
{
    private static readonly string Example = Path.Combine(AppContext.BaseDirectory, "traces", "example.trace");

    [Theory]
    [InlineData(">/dev/full", "eventpoll: cannot write to standard output: No space left on device\n")]
    [InlineData(">&-", "eventpoll: cannot write to standard output: Bad file descriptor\n")]
    [InlineData(">/dev/full 2>&-", "")]
    public void Trace_StdoutFails_OneLineAndExit3(string redirection, string stderr)
    {
        var r = CliRun.Process($"exec $CLI trace {Example} {redirection}");
        Assert.Equal((CommandLine.OutputError, stderr), (r.Exit, r.Stderr));
    }

    [Fact]
    public void Fuzz_StderrFull_Exit3WithoutStackTrace()
    {
        var r = CliRun.Process("exec $CLI fuzz --count 5 --length 5 2>/dev/full");
        Assert.Equal((CommandLine.OutputError, ""), (r.Exit, r.Stdout));
    }

    [Fact]
    public void Trace_DevZero_LineTooLongInsteadOfReadingForever()
    {
        var r = CliRun.Process("exec $CLI trace /dev/zero", seconds: 30);
        Assert.Equal((CommandLine.UsageError, "== zero\n", "/dev/zero:1: line longer than 4096 characters\n"), (r.Exit, r.Stdout, r.Stderr));
    }

    [Fact]
    public void TraceManaged_InfiniteWaitThatCanNeverBeReady_ReportedNotHung() => AssertWaitReported("managed");

    [LinuxTheory]
    [InlineData("kernel")]
    [InlineData("both")]
    public void TraceKernel_InfiniteWaitThatCanNeverBeReady_ReportedNotHung(string backend) => AssertWaitReported(backend);

    private static void AssertWaitReported(string backend)
    {
        var r = CliRun.Process($"printf 'epoll ep\\neventfd e\\nctl ep add e IN\\nwait ep 8 -1\\n' | exec $CLI trace - --backend {backend}", seconds: 30);
        Assert.Equal((CommandLine.UsageError, "<stdin>:4: wait would block forever\n"), (r.Exit, r.Stderr));
        Assert.EndsWith("ctl ep add e IN => ok\n", r.Stdout, StringComparison.Ordinal);
    }

    [LinuxFact]
    public void TraceBoth_KernelOutOfDescriptors_EnvironmentLimitNotDivergence()
    {
        // 100 eventfds under a limit of 64: the kernel side fails first (the runtime holds dozens), the engine does not.
        string trace = CliRun.TempTrace("epoll ep\n" + string.Concat(Enumerable.Range(0, 100).Select(i => $"eventfd e{i}\n")) + "fdinfo ep\n", "many.trace");
        var r = CliRun.Process($"ulimit -n 64; exec $CLI trace {trace} --backend both");
        Assert.Equal(CommandLine.Ok, r.Exit);
        Assert.Contains("=> err EMFILE\n", r.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"^.*many\.trace:\d+: the kernel backend ran out of descriptors \(this process holds \d+ of its RLIMIT_NOFILE limit 64\); not a divergence\n$", r.Stderr);
    }

    [LinuxTheory]
    [InlineData(64)]
    [InlineData(256)]
    public void Fuzz_UnderLowDescriptorLimit_NoFalseDivergence(int limit)
    {
        // The engine alone: os and mixed keep OS descriptors of their own, in a block of numbers at half the limit.
        var r = CliRun.Process($"ulimit -n {limit}; exec $CLI fuzz --seed 1 --count 300 --length 60 --backend managed");
        Assert.Equal(CommandLine.Ok, r.Exit);
        Assert.Matches(@"^fuzz: seed 1, 300 traces, 18000 commands, 0 divergences(, \d+ traces cut short by the process's descriptor limit)?\n$", r.Stdout);
        if (limit == 64) Assert.Contains("traces cut short by the process's descriptor limit", r.Stdout, StringComparison.Ordinal);
    }
}

using EventPoll.Cli;
using EventPoll.Tests.Bench;
using Xunit;

namespace EventPoll.Tests.Misuse;

/// <summary>A bench run whose reports cannot be written keeps its results: in the bench collection, which runs alone.</summary>
[Collection(nameof(BenchSmokeCollection))]
public class CliBenchMisuseTests
{
    [Fact]
    public void Bench_ReportsCannotBeWrittenAtTheEnd_OneLineExit3AndResultsOnStdout()
    {
        string dir = CliRun.TempDirectory();
        Directory.CreateDirectory(Path.Combine(dir, "latest-results.md")); // passes the probe, fails the copy at the end
        (int exit, string stdout, string stderr) = CliRun.InProcess(null, "bench", "micro", "--quick", "--out", dir);
        Assert.Equal(CommandLine.OutputError, exit);
        Assert.Contains("micro", stdout, StringComparison.Ordinal); // the report
        Assert.StartsWith($"eventpoll bench: cannot write the reports to {dir}: ", stderr.TrimEnd('\n').Split('\n')[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }
}

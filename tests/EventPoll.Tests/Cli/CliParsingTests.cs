using EventPoll.Cli;
using EventPoll.Tests.Misuse;
using Xunit;

namespace EventPoll.Tests.Cli;

/// <summary>Issue 13: the command line comes from System.CommandLine: generated help, --version, one-line parse errors, completions.</summary>
public class CliParsingTests
{
    [Theory]
    [InlineData(new[] { "--help" }, new[] { "trace", "fuzz", "bench", "--version", "Exit status" })]
    [InlineData(new[] { "trace", "--help" }, new[] { "FILE", "--backend" })]
    [InlineData(new[] { "fuzz", "--help" }, new[] { "--seed", "--count", "--length", "--out" })]
    [InlineData(new[] { "bench", "-h" }, new[] { "SCENARIO", "--quick", "--out", "--oneshot-count", "micro, connrate" })]
    public void Help_IsGenerated_ListsEveryOption_Exit0(string[] args, string[] listed)
    {
        (int exit, string stdout, string stderr) = CliRun.InProcess(null, args);
        Assert.Equal((CommandLine.Ok, ""), (exit, stderr));
        Assert.Contains("Usage:", stdout, StringComparison.Ordinal);
        Assert.All(listed, word => Assert.Contains(word, stdout, StringComparison.Ordinal));
    }

    [Fact]
    public void Version_PrintsTheVersion_Exit0()
    {
        (int exit, string stdout, string stderr) = CliRun.InProcess(null, "--version");
        Assert.Equal((CommandLine.Ok, ""), (exit, stderr));
        Assert.Matches(@"^\d+\.\d+\.\d+\S*\n$", stdout);
    }

    [Theory]
    [InlineData("fuzz", "--count", "x")]
    [InlineData("fuzz", "--count", "1", "--count", "2")]
    [InlineData("bench", "--out")]
    [InlineData("frob")]
    [InlineData("trace", "--backend")]
    public void ParseError_OneLineNoHelp_Exit2(params string[] args)
    {
        (int exit, string stdout, string stderr) = CliRun.InProcess(null, args);
        Assert.Equal((CommandLine.UsageError, ""), (exit, stdout));
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("eventpoll", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Usage:", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tr", "trace")]
    [InlineData("trace x --backend k", "kernel")]
    [InlineData("bench mi", "micro")]
    [InlineData("fuzz --c", "--count")]
    public void SuggestDirective_CompletesCommandsOptionsAndValues(string line, string completion)
    {
        // As dotnet-suggest calls it: [suggest:CURSOR] and the command line after the program's name.
        (int exit, string stdout, _) = CliRun.InProcess(null, $"[suggest:{line.Length}]", line);
        Assert.Equal(CommandLine.Ok, exit);
        Assert.Contains(completion, stdout.Split('\n'));
    }
}

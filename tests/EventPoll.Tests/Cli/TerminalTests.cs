using EventPoll.Cli;
using Spectre.Console;
using Xunit;

namespace EventPoll.Tests.Cli;

/// <summary>Live progress and tables only on a terminal; NO_COLOR, CI and redirection get the plain lines scripts read.</summary>
public class TerminalTests
{
    [Theory]
    [InlineData(false, false, null, null, true, true)]
    [InlineData(true, false, null, null, false, true)]
    [InlineData(false, true, null, null, true, false)]
    [InlineData(false, false, "1", null, false, false)]
    [InlineData(false, false, null, "true", false, false)]
    [InlineData(false, false, "", "", true, true)] // set but empty counts as unset (no-color.org)
    public void Choose_PlainWhenRedirectedOrNoColorOrCi(bool stdoutRedirected, bool stderrRedirected, string? noColor, string? ci, bool stdout, bool stderr)
    {
        var environment = new Dictionary<string, string?> { ["NO_COLOR"] = noColor, ["CI"] = ci };
        Assert.Equal(new Terminal(stdout, stderr), Terminal.Choose(stdoutRedirected, stderrRedirected, name => environment[name]));
    }

    [Fact]
    public void Fuzz_LiveProgressOnATerminal_SameStdout()
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        int exit = CommandLine.RunProcess(["fuzz", "--seed", "5", "--count", "20", "--length", "10"], TextReader.Null, stdout, stderr, new Terminal(false, true));
        Assert.Equal((CommandLine.Ok, "fuzz: seed 5, 20 traces, 200 commands, 0 divergences\n"), (exit, stdout.ToString()));
        Assert.Contains("100%", stderr.ToString(), StringComparison.Ordinal); // Spectre's bar, not the plain [N/M] lines
        Assert.DoesNotContain("[20/20]", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TerminalReport_MarkdownTablesBecomeTables()
    {
        var output = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No });
        console.Profile.Width = 120;
        TerminalReport.Write(console, "# title\n\nsome text\n\n| variant | figure |\n|---|---:|\n| EventPoll | 85.2 ns/op |\n\nNote: after\n");
        string[] lines = output.ToString().Split('\n');
        Assert.Equal(["title", "", "some text", ""], lines[..4]);
        Assert.Contains(lines, l => l.Contains("variant", StringComparison.Ordinal) && l.Contains("figure", StringComparison.Ordinal) && !l.Contains('|', StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("EventPoll", StringComparison.Ordinal) && l.Contains("85.2 ns/op", StringComparison.Ordinal));
        Assert.Contains("Note: after", lines);
    }
}

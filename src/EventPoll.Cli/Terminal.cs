using Spectre.Console;

namespace EventPoll.Cli;

/// <summary>
/// Which of the process's output streams is a person's terminal. Only those get Spectre's live progress and tables;
/// everything else (a pipe, a file, CI, a test, <c>NO_COLOR</c>) gets the plain lines that scripts and CI read.
/// </summary>
internal sealed record Terminal(bool Stdout, bool Stderr)
{
    /// <summary>Plain output on both streams.</summary>
    internal static readonly Terminal None = new(false, false);

    /// <summary>The choice for this process's own standard streams and environment.</summary>
    internal static Terminal OfProcess() =>
        Choose(System.Console.IsOutputRedirected, System.Console.IsErrorRedirected, Environment.GetEnvironmentVariable);

    /// <summary>
    /// A stream is a terminal when it is not redirected and neither <c>NO_COLOR</c> nor <c>CI</c> is set (to
    /// anything but the empty string, as no-color.org defines it): CI logs and NO_COLOR users read plain lines.
    /// </summary>
    internal static Terminal Choose(bool stdoutRedirected, bool stderrRedirected, Func<string, string?> environment)
    {
        bool plain = !string.IsNullOrEmpty(environment("NO_COLOR")) || !string.IsNullOrEmpty(environment("CI"));
        return new(!plain && !stdoutRedirected, !plain && !stderrRedirected);
    }

    /// <summary>
    /// A Spectre console on <paramref name="stream"/>, one of the streams found to be a terminal. Spectre cannot see
    /// that through the <see cref="GuardedWriter"/>, so it is told, and given the window's width.
    /// </summary>
    internal static IAnsiConsole Live(TextWriter stream)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stream),
            Ansi = AnsiSupport.Yes,
            Interactive = InteractionSupport.Yes,
        });
        // A terminal that reports no size (a pty without a window, `script`) gets the classic 80 columns.
        console.Profile.Width = System.Console.WindowWidth is > 0 and var width ? width : 80;
        return console;
    }
}

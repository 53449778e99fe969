using System.Diagnostics.CodeAnalysis;

namespace EventPoll.Trace;

/// <summary>
/// A malformed trace: not a result of the system under test but a mistake in the file. The message is
/// <c>FILE:LINE: message</c> (<c>FILE: message</c> when the file cannot be read), ready for stderr; the CLI exits 2 on it.
/// </summary>
[SuppressMessage("Design", "CA1064:Exceptions should be public", Justification = "Only the CLI and tests, which see internals, catch it.")]
[SuppressMessage("Design", "CA1032:Implement standard exception constructors", Justification = "A location is always required.")]
internal sealed class TraceException : Exception
{
    public TraceException(string path, int line, string message)
        : base($"{Location(path, line)}: {message}")
    {
        Path = path;
        Line = line;
    }

    /// <summary><c>FILE:LINE</c>, or <c>FILE</c> for line 0, as messages about a trace start.</summary>
    public static string Location(string path, int line) =>
        line > 0 ? $"{Echo.OfOpenedPath(path)}:{line}" : Echo.OfOpenedPath(path);

    /// <summary>The trace file.</summary>
    public string Path { get; }

    /// <summary>The 1-based line in the trace file.</summary>
    public int Line { get; }
}

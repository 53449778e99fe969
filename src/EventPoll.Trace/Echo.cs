using System.Globalization;
using System.Text;

namespace EventPoll.Trace;

/// <summary>
/// Makes user input safe to quote in a one-line message: control characters, backslash and anything beyond
/// ASCII are escaped C-style (<c>\x00</c>, <c>\\</c>, <c>\u00e9</c>), so a NUL byte or a newline cannot break
/// the line or the terminal, and the result is cut to <see cref="MaxLength"/> characters so a 10 MB token
/// cannot flood it. Every message of the CLI and the trace parser that repeats what the user typed goes through here.
/// </summary>
internal static class Echo
{
    /// <summary>The longest echo, marker included.</summary>
    internal const int MaxLength = 80;

    /// <summary>Appended where an echo was cut.</summary>
    internal const string CutMarker = "...";

    /// <summary>User input, escaped and cut to <see cref="MaxLength"/> characters.</summary>
    internal static string Of(string text) => Escape(text, MaxLength);

    /// <summary>
    /// The path of a file that was opened, escaped but not cut: it is the FILE of <c>FILE:LINE</c>, which editors
    /// follow, and the kernel already bounded it (PATH_MAX) when it opened the file.
    /// </summary>
    internal static string OfOpenedPath(string path) => Escape(path, int.MaxValue);

    private static string Escape(string text, int max)
    {
        var echo = new StringBuilder(Math.Min(text.Length, max));
        int cut = 0; // the longest prefix, ending between two escapes, that leaves room for the marker
        foreach (char ch in text)
        {
            string piece = ch switch
            {
                '\\' => @"\\",
                < ' ' or '\x7f' => @"\x" + ((int)ch).ToString("x2", CultureInfo.InvariantCulture),
                > '\x7f' => @"\u" + ((int)ch).ToString("x4", CultureInfo.InvariantCulture),
                _ => ch.ToString(),
            };
            if (echo.Length + piece.Length > max)
            {
                echo.Length = cut;
                return echo.Append(CutMarker).ToString();
            }

            echo.Append(piece);
            if (echo.Length <= max - CutMarker.Length) cut = echo.Length;
        }

        return echo.ToString();
    }
}

using System.Globalization;

namespace EventPoll.Trace;

/// <summary>One registration as fdinfo shows it: the descriptor number given at add, the stored mask, the data.</summary>
internal readonly record struct FdInfoItem(int Tfd, EpollEvents Events, ulong Data)
{
    /// <summary>Adds the items of fdinfo text's <c>tfd:</c> lines to <paramref name="items"/>.</summary>
    internal static void ParseAll(IEnumerable<string> lines, List<FdInfoItem> items)
    {
        foreach (string line in lines)
        {
            if (line.StartsWith("tfd:", StringComparison.Ordinal))
            {
                items.Add(Parse(line));
            }
        }
    }

    // Format: "tfd: %8d events: %8x data: %16llx  pos:%lli ino:%lx sdev:%x".
    private static FdInfoItem Parse(string line)
    {
        string[] f = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 6 || f[2] != "events:" || f[4] != "data:")
        {
            throw new FormatException($"unexpected fdinfo line: {line}");
        }

        return new FdInfoItem(
            int.Parse(f[1], NumberStyles.Integer, CultureInfo.InvariantCulture),
            (EpollEvents)uint.Parse(f[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            ulong.Parse(f[5], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }
}

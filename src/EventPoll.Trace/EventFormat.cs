using System.Globalization;

namespace EventPoll.Trace;

/// <summary>The trace format's spelling of an event mask: <c>IN|OUT|ET</c>, <c>0</c>, unknown bits as one hex number.</summary>
internal static class EventFormat
{
    /// <summary>Formats a mask: known flags in ascending bit order, then any other bits as one <c>0x..</c>.</summary>
    internal static string Format(EpollEvents events) => EpollEventNames.Format(events, prefix: "");

    /// <summary>
    /// Parses a mask: parts joined by <c>|</c>, each a flag name, <c>0</c>, or a <c>0x</c> hex number.
    /// Returns null and the offending part when a part is not one of those.
    /// </summary>
    internal static EpollEvents? TryParse(string text, out string badPart)
    {
        badPart = "";
        uint mask = 0;
        foreach (string part in text.Split('|'))
        {
            uint? bits = ParsePart(part);
            if (bits is null)
            {
                badPart = part;
                return null;
            }

            mask |= bits.Value;
        }

        return (EpollEvents)mask;
    }

    private static uint? ParsePart(string part)
    {
        if (part == "0")
        {
            return 0;
        }

        if (part.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && part.Length > 2)
        {
            return uint.TryParse(part.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint v)
                ? v
                : null;
        }

        foreach (var (name, bit) in EpollEventNames.Flags)
        {
            if (part == name)
            {
                return (uint)bit;
            }
        }

        return null;
    }
}

namespace EventPoll.Trace;

/// <summary>
/// Where the mixed backend puts a source: in the OS or in-process, by the trace's name for it and a placement seed,
/// so that a trace, and every shrunk part of it, places each name the same way (docs/trace-format.md).
/// </summary>
internal static class MixedPlacement
{
    /// <summary>
    /// True when bit 0 of the FNV-1a hash of the seed's four bytes (little-endian) followed by the name's UTF-16 code
    /// units, folded once (h ^ h &gt;&gt; 15), is set.
    /// </summary>
    internal static bool InOs(string name, int seed)
    {
        uint h = 2166136261;
        for (int i = 0; i < 4; i++) h = (h ^ (byte)(seed >> (8 * i))) * 16777619;
        foreach (char c in name) h = (h ^ c) * 16777619;
        return ((h ^ (h >> 15)) & 1) != 0;
    }
}

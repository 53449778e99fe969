namespace EventPoll.Trace.Fuzz;

/// <summary>
/// Minimises a diverging trace: removes chunks of commands, halving the chunk size down to single lines,
/// keeping every candidate that still parses, runs and diverges (delta debugging, ddmin's complement step).
/// </summary>
internal static class TraceShrinker
{
    /// <summary>Returns the smallest diverging subset of <paramref name="lines"/> found.</summary>
    internal static List<string> Shrink(List<string> lines, Func<IReadOnlyList<string>, bool> diverges)
    {
        var current = new List<string>(lines);
        for (int chunk = Math.Max(1, current.Count / 2); chunk >= 1; chunk /= 2)
        {
            bool removedAny;
            do
            {
                removedAny = false;
                for (int start = 0; start < current.Count; start += chunk)
                {
                    var candidate = new List<string>(current.Count);
                    candidate.AddRange(current.Take(start));
                    candidate.AddRange(current.Skip(start + chunk));
                    if (candidate.Count == 0 || !diverges(candidate)) continue;
                    current = candidate;
                    removedAny = true;
                    start -= chunk;
                }
            }
            while (removedAny && chunk == 1);
        }
        return current;
    }
}

namespace EventPoll.Trace.Fuzz;

/// <summary>
/// A differential fuzzing run: generated traces on a reference and a candidate backend until the count is
/// reached or one diverges; a diverging trace comes back shrunk to a minimal one.
/// </summary>
internal sealed class FuzzRun(Func<ITraceBackend> reference, Func<ITraceBackend> candidate)
{
    /// <summary>
    /// What a run did: traces and commands run, the traces cut short because the reference ran out of
    /// descriptors (see <see cref="TraceDivergence.ReferenceOutOfDescriptors"/>; neither shrunk nor a
    /// divergence), and the first divergence (minimal trace and its difference).
    /// </summary>
    internal sealed record Outcome(int Traces, long Commands, int OutOfDescriptors, List<string>? Minimal, TraceDivergence? Divergence);

    /// <summary>
    /// Runs <paramref name="count"/> traces of <paramref name="length"/> commands from <paramref name="seed"/>,
    /// calling <paramref name="progress"/> after each with the traces and commands done so far.
    /// </summary>
    internal Outcome Run(int seed, int count, int length, Action<int, long>? progress = null)
    {
        var generator = new TraceGenerator(seed);
        long commands = 0;
        int outOfDescriptors = 0;
        for (int n = 0; n < count; n++)
        {
            string name = $"fuzz-{seed}-{n}.trace";
            List<string> lines = [.. generator.Next(length).Split('\n', StringSplitOptions.RemoveEmptyEntries)];
            commands += lines.Count;
            TraceDivergence? divergence = Diverge(name, lines);
            progress?.Invoke(n + 1, commands);
            if (divergence is null) continue;
            if (divergence.ReferenceOutOfDescriptors)
            {
                outOfDescriptors++;
                continue;
            }

            List<string> minimal = TraceShrinker.Shrink(lines, candidateLines => IsDivergence(Diverge(name, candidateLines)));
            return new Outcome(n + 1, commands, outOfDescriptors, minimal, Diverge(name, minimal) ?? divergence);
        }
        return new Outcome(count, commands, outOfDescriptors, null, null);
    }

    /// <summary>Runs the lines on both backends; null when they agree or the lines are not a well-formed trace.</summary>
    internal TraceDivergence? Diverge(string name, IReadOnlyList<string> lines)
    {
        try
        {
            TraceFile trace = TraceParser.Parse(name, string.Join('\n', lines));
            return DifferentialRun.Run(trace, reference, candidate).Divergence;
        }
        catch (TraceException)
        {
            return null; // a shrink candidate that drops a name's creation is not a trace
        }
    }

    // A shrink step must keep a real divergence: one that ran out of descriptors instead is a different finding.
    private static bool IsDivergence(TraceDivergence? d) => d is { ReferenceOutOfDescriptors: false };
}

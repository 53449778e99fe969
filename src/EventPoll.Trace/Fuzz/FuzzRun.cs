namespace EventPoll.Trace.Fuzz;

/// <summary>
/// A differential fuzzing run: generated traces on a reference and on contenders until the count is reached or one
/// diverges; a diverging trace comes back shrunk to a minimal one.
/// </summary>
internal sealed class FuzzRun(Func<ITraceBackend> reference, IReadOnlyList<Contender> contenders)
{
    /// <summary>
    /// What a run did: traces and commands run; the traces cut short because the reference ran out of descriptors
    /// (see <see cref="TraceDivergence.ReferenceOutOfDescriptors"/>; neither shrunk nor a divergence); the runs that
    /// parted under the mixed rule and the commands after their partings, which could not be compared; and the first
    /// divergence: the contender, the minimal trace and its difference, and the trace's placement seed.
    /// </summary>
    internal sealed record Outcome(int Traces, long Commands, int OutOfDescriptors, int Parted, long NotCompared,
        Contender? Diverged = null, List<string>? Minimal = null, TraceDivergence? Divergence = null, int PlacementSeed = 0);

    /// <summary>
    /// Runs <paramref name="count"/> traces of <paramref name="length"/> commands from <paramref name="seed"/>,
    /// calling <paramref name="progress"/> after each with the traces and commands done so far.
    /// </summary>
    internal Outcome Run(int seed, int count, int length, Action<int, long>? progress = null)
    {
        var generator = new TraceGenerator(seed, smallFans: contenders.Any(c => c.HoldsKernelSides));
        long commands = 0, notCompared = 0;
        int outOfDescriptors = 0, parted = 0;
        for (int n = 0; n < count; n++)
        {
            string name = $"fuzz-{seed}-{n}.trace";
            int placement = PlacementSeed(seed, n);
            List<string> lines = [.. generator.Next(length).Split('\n', StringSplitOptions.RemoveEmptyEntries)];
            commands += lines.Count;
            // A generated trace is malformed only where a creation failed for want of descriptors (the generator takes
            // every one to succeed, so it may write an eventfd's value to a name left at -1): it stops there everywhere.
            List<DifferentialRun.Comparison> comparisons = Compare(name, lines, contenders, placement) ?? [];
            progress?.Invoke(n + 1, commands);
            foreach (DifferentialRun.Comparison c in comparisons.Where(c => c.PartedAt > 0))
            {
                parted++;
                notCompared += lines.Count - c.PartedAt;
            }

            if (comparisons.FirstOrDefault(c => IsDivergence(c.Divergence)) is not { } diverged)
            {
                if (comparisons.Any(c => c.Divergence is not null)) outOfDescriptors++;
                continue;
            }

            List<string> minimal = TraceShrinker.Shrink(lines, candidate => IsDivergence(Diverge(name, candidate, diverged.Contender, placement)));
            return new Outcome(n + 1, commands, outOfDescriptors, parted, notCompared,
                diverged.Contender, minimal, Diverge(name, minimal, diverged.Contender, placement) ?? diverged.Divergence, placement);
        }
        return new Outcome(count, commands, outOfDescriptors, parted, notCompared);
    }

    /// <summary>The placement seed of trace <paramref name="n"/> of a run from <paramref name="seed"/> (the mixed backend's, see <see cref="OsBackend.Mixed"/>).</summary>
    internal static int PlacementSeed(int seed, int n) => unchecked((seed * 1_000_003) + n) & int.MaxValue; // non-negative: --mix-seed takes it back

    /// <summary>Runs the lines on the reference and <paramref name="contender"/>; null when they agree or the lines are not a well-formed trace.</summary>
    internal TraceDivergence? Diverge(string name, IReadOnlyList<string> lines, Contender contender, int placement) =>
        Compare(name, lines, [contender], placement)?[0].Divergence;

    private List<DifferentialRun.Comparison>? Compare(string name, IReadOnlyList<string> lines, IReadOnlyList<Contender> which, int placement)
    {
        try
        {
            TraceFile trace = TraceParser.Parse(name, string.Join('\n', lines));
            return DifferentialRun.Run(trace.Path, trace.Commands, reference, which, placement, _ => { });
        }
        catch (TraceException)
        {
            return null; // a shrink candidate that drops a name's creation is not a trace
        }
    }

    // A shrink step must keep a real divergence: one that ran out of descriptors instead is a different finding.
    private static bool IsDivergence(TraceDivergence? d) => d is { ReferenceOutOfDescriptors: false };
}

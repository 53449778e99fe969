namespace EventPoll.Trace;

/// <summary>The first line where two backends' outputs for one trace differ (null text: that side ended earlier).</summary>
internal sealed record TraceDivergence(string Path, int SourceLine, string? Reference, string? Candidate)
{
    /// <summary>
    /// True when the reference failed for want of descriptors (EMFILE, ENFILE) and the candidate did not. With the
    /// kernel as reference that is the environment, not the candidate: the kernel shares the process's descriptor
    /// table with the runtime, which holds dozens, while the engine's table holds only the trace's own.
    /// </summary>
    internal bool ReferenceOutOfDescriptors => Reference is { } r
        && (r.EndsWith("=> err EMFILE", StringComparison.Ordinal) || r.EndsWith("=> err ENFILE", StringComparison.Ordinal));

    /// <summary>Finds the first differing line of two outputs of the same trace, or null when they agree.</summary>
    internal static TraceDivergence? Find(string path, IReadOnlyList<TraceLine> reference, IReadOnlyList<TraceLine> candidate)
    {
        for (int i = 0; i < Math.Max(reference.Count, candidate.Count); i++)
        {
            TraceLine? r = i < reference.Count ? reference[i] : null;
            TraceLine? c = i < candidate.Count ? candidate[i] : null;
            if (r?.Text != c?.Text)
            {
                return new TraceDivergence(path, (r ?? c)!.Value.SourceLine, r?.Text, c?.Text);
            }
        }

        return null;
    }
}

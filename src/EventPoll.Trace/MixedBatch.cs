namespace EventPoll.Trace;

/// <summary>
/// The mixed rule for one wait (docs/trace-format.md, "The mixed rule"): the kernel orders a batch by wakeup time, which
/// user space cannot see across its two kinds of registration, so a mixed batch is held against the kernel's with each
/// kind's order kept and only the order between the kinds ignored. Events are compared as printed, <c>(EV,DATA)</c>.
/// </summary>
internal static class MixedBatch
{
    /// <summary>
    /// Judges the engine's batch, <paramref name="os"/> (the events its kernel epoll gave, at the front) followed by
    /// <paramref name="inProcess"/>, against the kernel's batch <paramref name="kernel"/> of a wait with
    /// <paramref name="maxEvents"/>. Same: the kernel's batch is the engine's two kinds interleaved. Parted: a batch
    /// cut differently (by maxevents, or by a wait the engine served from in-process events alone without asking the
    /// kernel, <paramref name="kernelAsked"/> false) that returned only what the kernel had ready, each kind in the
    /// kernel's order and as many as the engine's wait could take; the runs hold different events from here on.
    /// <paramref name="ready"/> gives everything the kernel had ready, in its order, when its batch may have been cut.
    /// </summary>
    internal static Verdict Judge(IReadOnlyList<string> kernel, IReadOnlyList<string> os, IReadOnlyList<string> inProcess,
        bool kernelAsked, int maxEvents, Func<IReadOnlyList<string>> ready)
    {
        int count = os.Count + inProcess.Count;
        if (count == kernel.Count && FromReady(os, inProcess, kernel)) return Verdict.Same;
        IReadOnlyList<string> all = kernel.Count < maxEvents ? kernel : ready();
        bool full = count == Math.Min(maxEvents, all.Count);
        return (full || !kernelAsked) && FromReady(os, inProcess, all) ? Verdict.Parted : Verdict.Differs;
    }

    /// <summary>Whether both kinds' events are among <paramref name="ready"/>, each kind in its order.</summary>
    private static bool FromReady(IReadOnlyList<string> os, IReadOnlyList<string> inProcess, IReadOnlyList<string> ready)
    {
        var left = ready.CountBy(e => e, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal);
        foreach (string e in os.Concat(inProcess))
        {
            if (left.GetValueOrDefault(e) == 0) return false;
            left[e]--;
        }
        return InOrder(os, ready) && InOrder(inProcess, ready);
    }

    /// <summary>Whether <paramref name="events"/> is a subsequence of <paramref name="ready"/>.</summary>
    private static bool InOrder(IReadOnlyList<string> events, IReadOnlyList<string> ready)
    {
        int i = 0;
        foreach (string e in ready)
        {
            if (i < events.Count && e == events[i]) i++;
        }
        return i == events.Count;
    }
}

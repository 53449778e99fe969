namespace EventPoll.Trace;

/// <summary>
/// The mixed rule for one wait (docs/trace-format.md, "The mixed rule"): the kernel orders a batch by wakeup time, which
/// user space cannot see across its two kinds of registration, so a mixed batch is held against the kernel's with each
/// kind's order kept and only the order between the kinds ignored. Events are compared as printed, <c>(EV,DATA)</c>.
/// </summary>
internal static class MixedBatch
{
    /// <summary>
    /// Judges the engine's batch, made as <paramref name="origin"/> says (its kernel epoll's events at the front), against
    /// the kernel's batch <paramref name="kernel"/> of a wait with <paramref name="maxEvents"/>. Same: the kernel's batch
    /// is the engine's two kinds interleaved. Parted: a batch cut differently (by maxevents, or by a wait the engine
    /// served from in-process events alone without asking the kernel) that returned only what the kernel had ready,
    /// each kind in the kernel's order and as many as the engine's wait could take; or a same batch of an instance
    /// holding both kinds that left one of its two ready lists unscanned (a full batch, or the kernel not asked), where
    /// the kernel's one scan may have dropped items no longer ready that the engine kept, or the other way round (a
    /// dropped item is queued at the tail when it is ready again, a kept one keeps its place). From a parting on the runs
    /// may hold different events. <paramref name="ready"/> gives all the kernel had ready, in its order, when its batch
    /// may have been cut.
    /// </summary>
    internal static Verdict Judge(IReadOnlyList<string> kernel, string[] engine, BatchOrigin origin, int maxEvents,
        Func<IReadOnlyList<string>> ready)
    {
        string[] os = engine[..origin.FromKernel], inProcess = engine[origin.FromKernel..];
        if (engine.Length == kernel.Count && FromReady(os, inProcess, kernel))
        {
            bool unscanned = engine.Length == maxEvents || !origin.KernelAsked;
            return origin.BothKinds && unscanned ? Verdict.Parted : Verdict.Same;
        }
        IReadOnlyList<string> all = kernel.Count < maxEvents ? kernel : ready();
        bool full = engine.Length == Math.Min(maxEvents, all.Count);
        return (full || !origin.KernelAsked) && FromReady(os, inProcess, all) ? Verdict.Parted : Verdict.Differs;
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

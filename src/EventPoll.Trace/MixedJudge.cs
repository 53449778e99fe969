namespace EventPoll.Trace;

/// <summary>
/// Holds a mixed run's lines against the kernel's: waits under <see cref="MixedBatch"/>'s rule, every other line exactly.
/// Where the rule needs all the kernel had ready, it runs the commands so far on a fresh reference backend and waits
/// there with the largest maxevents.
/// </summary>
internal sealed class MixedJudge(string path, Func<ITraceBackend> reference, OsBackend mixed)
{
    private const string Separator = " => ";

    private readonly List<TraceCommand> _before = [];

    /// <summary>
    /// Judges the lines of <paramref name="c"/>, the command after those judged so far. A ctl that moved a queued
    /// registration into a kernel epoll (<see cref="OsBackend.MovedQueued"/>) parts the runs once its own line agrees:
    /// the kernel orders that registration from the move, not from its wakeup, which no later wait can be held to. A
    /// command whose poll of an instance scanned beside its kernel side where Linux's one scan may have ended elsewhere
    /// (<see cref="OsBackend.PollScannedApart"/>: a poll command, or the poll inside a watcher's wait or ctl) parts too:
    /// from there on the two may hold different items queued, in different places.
    /// </summary>
    internal Verdict Judge(TraceCommand c, string expected, string actual)
    {
        bool scannedApart = mixed.PollScannedApart(); // asked after every command: it counts the polls since the last
        Verdict verdict = c.Kind == CommandKind.Wait && Batch(expected) is { } kernel && Batch(actual) is { } engine
            ? MixedBatch.Judge(kernel, engine, mixed.LastBatch, c.MaxEvents, () => AllReady(c))
            : expected != actual ? Verdict.Differs
            : c.Kind == CommandKind.Ctl && mixed.MovedQueued ? Verdict.Parted
            : Verdict.Same;
        _before.Add(c);
        return verdict == Verdict.Same && scannedApart ? Verdict.Parted : verdict;
    }

    /// <summary>The events of a wait's line, as printed, or null for an error.</summary>
    private static string[]? Batch(string line)
    {
        string[] result = line[(line.LastIndexOf(Separator, StringComparison.Ordinal) + Separator.Length)..].Split(' ');
        return result[0] == "ok" ? result[2..] : null;
    }

    /// <summary>What the kernel had ready at <paramref name="wait"/>, all of it, in its order.</summary>
    private string[] AllReady(TraceCommand wait)
    {
        using ITraceBackend fresh = reference();
        var runner = new TraceRunner(path, fresh);
        foreach (TraceCommand c in _before) runner.Step(c);
        return Batch(runner.Step(wait with { MaxEvents = Eventpoll.MaxEvents }).Text)!;
    }
}

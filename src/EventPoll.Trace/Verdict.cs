namespace EventPoll.Trace;

/// <summary>How a candidate's output line compares with the reference's.</summary>
internal enum Verdict
{
    /// <summary>The lines agree (exactly, or under the mixed rule).</summary>
    Same,

    /// <summary>
    /// The mixed rule's parting: a command after which the two runs may rightly hold different events (a batch cut
    /// differently, a ready list left unscanned, a queued registration moved into a kernel epoll), so nothing later can
    /// be compared. Not a divergence.
    /// </summary>
    Parted,

    /// <summary>A divergence.</summary>
    Differs,
}

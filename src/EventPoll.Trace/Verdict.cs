namespace EventPoll.Trace;

/// <summary>How a candidate's output line compares with the reference's.</summary>
internal enum Verdict
{
    /// <summary>The lines agree (exactly, or under the mixed rule).</summary>
    Same,

    /// <summary>
    /// The mixed rule's parting: a wait whose batch was rightly cut differently, after which the two runs hold different
    /// events, so nothing later can be compared. Not a divergence.
    /// </summary>
    Parted,

    /// <summary>A divergence.</summary>
    Differs,
}

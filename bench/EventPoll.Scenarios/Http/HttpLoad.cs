using EventPoll.Scenarios.Measurement;

namespace EventPoll.Scenarios.Http;

/// <summary>
/// How much load <c>bench http</c> puts on each server in each case: one warm-up run (JIT tiers, caches; discarded),
/// then measured runs whose medians are reported.
/// </summary>
internal sealed record HttpLoad(int WarmUpSeconds, int Runs, int RunSeconds)
{
    /// <summary>
    /// Full: a 10 s warm-up (8 s did not finish Kestrel's tiering on one machine of the anchors) and 3 runs of 10 s,
    /// as the anchors were measured; quick: 1 s and one run of 2 s; tiny (the test suite): 1 s and one run of 1 s,
    /// wrk's shortest.
    /// </summary>
    internal static HttpLoad For(BenchSize size) => size switch
    {
        BenchSize.Full => new(10, 3, 10),
        BenchSize.Quick => new(1, 1, 2),
        _ => new(1, 1, 1),
    };

    /// <summary>Seconds of load per server and case.</summary>
    internal int Seconds => WarmUpSeconds + Runs * RunSeconds;
}

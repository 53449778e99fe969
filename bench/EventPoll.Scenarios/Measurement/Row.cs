namespace EventPoll.Scenarios.Measurement;

/// <summary>The unit of a figure, which also says which direction is better.</summary>
internal enum Unit
{
    /// <summary>Operations per second (higher is better).</summary>
    OpsPerSecond,
    /// <summary>Nanoseconds per operation (lower is better).</summary>
    NanosecondsPerOp,
    /// <summary>Bytes (lower is better).</summary>
    Bytes,
    /// <summary>System calls per wait (lower is better).</summary>
    SystemCallsPerWait,
    /// <summary>Microseconds: a latency, or CPU time per request (lower is better).</summary>
    Microseconds,
    /// <summary>A count of things (errors, descriptors; lower is better), never compared as a ratio.</summary>
    Count,
}

/// <summary>
/// One measured figure: a variant at one parameter (e.g. "T=2"), the median of its samples, and its speed-up
/// over the kernel and over the "before" design measured in the same run (greater than 1: this row is better).
/// </summary>
internal sealed record Row(string Variant, string Parameter, double Value, Unit Unit, double[] Samples)
{
    internal double? VsKernel { get; set; }

    internal double? VsBefore { get; set; }

    /// <summary>Speed-ups over other variants at the same parameter, by their label (<see cref="ScenarioResult.CompareWith"/>).</summary>
    internal Dictionary<string, double> Versus { get; } = [];

    /// <summary>Samples of a reference taken alternately with this row's (sample i of each back to back), or null.</summary>
    internal double[]? ReferenceSamples { get; init; }

    /// <summary>
    /// Speed-up over the reference sampled alongside: the median of the per-repetition ratios rather than a ratio
    /// of medians, because each per-repetition ratio compares two samples taken back to back, so drift even within
    /// the phase cancels.
    /// </summary>
    internal double? VsReference => ReferenceSamples is { } reference ? PairedSpeedupOver(reference) : null;

    /// <summary>The median over repetitions of how much better sample i is than <paramref name="reference"/>[i] (taken alongside it).</summary>
    internal double PairedSpeedupOver(double[] reference) =>
        Sampler.Median([.. reference.Select((r, i) => HigherIsBetter ? Samples[i] / r : r / Samples[i])]);

    internal bool HigherIsBetter => Unit == Unit.OpsPerSecond;

    /// <summary>How much better this row is than <paramref name="reference"/> (ratio of the medians, oriented so greater is better).</summary>
    internal double SpeedupOver(Row reference) => HigherIsBetter ? Value / reference.Value : reference.Value / Value;

    internal static Row FromSamples(string variant, string parameter, Unit unit, double[] samples) =>
        new(variant, parameter, Sampler.Median(samples), unit, samples);
}

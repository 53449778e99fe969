namespace EventPoll.Scenarios.Measurement;

/// <summary>How big a run is: <see cref="Tiny"/> for the test suite, <see cref="Quick"/> for CI smoke use (under a minute), <see cref="Full"/> for the measured run.</summary>
internal enum BenchSize
{
    Tiny,
    Quick,
    Full,
}

/// <summary>Sizes and timing of one bench run, and where its progress goes.</summary>
internal sealed record BenchOptions(BenchSize Size, Action<string>? Progress = null)
{
    /// <summary>The oneshot scenario's -c (waits per waiter), when given explicitly.</summary>
    internal int? OneShotCount { get; init; }

    /// <summary>How long one timed sample runs.</summary>
    internal TimeSpan SampleDuration => Size switch
    {
        BenchSize.Tiny => TimeSpan.FromMilliseconds(5),
        BenchSize.Quick => TimeSpan.FromMilliseconds(80),
        _ => TimeSpan.FromMilliseconds(400),
    };

    /// <summary>Samples per variant; the median is reported (odd, so it is a real sample).</summary>
    internal int Repetitions => Size switch
    {
        BenchSize.Tiny => 1,
        BenchSize.Quick => 3,
        _ => 5,
    };

    /// <summary>Scales a full-size count down for quick and tiny runs.</summary>
    internal int Scale(int full, int quick, int tiny) => Size switch
    {
        BenchSize.Tiny => tiny,
        BenchSize.Quick => quick,
        _ => full,
    };

    internal void Report(string status) => Progress?.Invoke(status);
}

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

    /// <summary>
    /// Samples per variant where a bar judges a ratio between variants sampled in turn: four times as many, each
    /// a quarter of <see cref="SampleDuration"/> (<see cref="PairedSampleDuration"/>), so the two samples of a pair
    /// are taken closer together and the machine's drift cancels better, in the same total time. On lt-single,
    /// where both designs run the same code, the ratio's spread over runs fell from 0.94-1.08 to 0.98-1.02.
    /// Only for single-threaded samples: connrate's threads start on a signal, and in short samples their staggered
    /// start is a larger share, so less contention was measured (its close-path-lock ratio at T=2 fell from
    /// 1.22-1.40 to 1.01-1.28); it keeps full-length samples.
    /// </summary>
    internal int PairedRepetitions => 4 * Repetitions + 1;

    /// <summary>How long one sample of <see cref="PairedRepetitions"/> runs.</summary>
    internal TimeSpan PairedSampleDuration => SampleDuration / 4;

    /// <summary>Scales a full-size count down for quick and tiny runs.</summary>
    internal int Scale(int full, int quick, int tiny) => Size switch
    {
        BenchSize.Tiny => tiny,
        BenchSize.Quick => quick,
        _ => full,
    };

    internal void Report(string status) => Progress?.Invoke(status);
}

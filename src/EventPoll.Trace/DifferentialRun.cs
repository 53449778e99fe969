namespace EventPoll.Trace;

/// <summary>
/// Runs one trace on a reference backend and a candidate backend (fresh instances of each) and compares
/// the outputs line by line. Kept free of any particular backend so the CLI and the fuzzer share it.
/// </summary>
internal static class DifferentialRun
{
    /// <summary>The reference output and, when the candidate disagrees, the first difference.</summary>
    internal sealed record Result(List<TraceLine> Reference, TraceDivergence? Divergence);

    /// <summary>Runs <paramref name="trace"/> on both. Trace errors propagate (they do not depend on the backend).</summary>
    internal static Result Run(TraceFile trace, Func<ITraceBackend> reference, Func<ITraceBackend> candidate)
    {
        var expected = new List<TraceLine>();
        using (ITraceBackend backend = reference())
        {
            TraceRunner.Run(trace, backend, expected);
        }

        var actual = new List<TraceLine>();
        try
        {
            using ITraceBackend backend = candidate();
            TraceRunner.Run(trace, backend, actual);
        }
        catch (Exception e) when (e is not TraceException)
        {
            // A crashing candidate is a divergence to report at the command it failed on, not a reason to stop.
            TraceLine? at = actual.Count < expected.Count ? expected[actual.Count] : null;
            string crash = $"{at?.Text.Split(" => ")[0]} => exception {e.GetType().Name}: {e.Message}";
            return new Result(expected, new TraceDivergence(trace.Path, at?.SourceLine ?? 0, at?.Text, crash));
        }

        return new Result(expected, TraceDivergence.Find(trace.Path, expected, actual));
    }
}

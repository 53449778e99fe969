namespace EventPoll.Trace;

/// <summary>
/// Runs one trace on a reference backend and a candidate backend (fresh instances of each) in lockstep,
/// command by command, and compares their output lines. Kept free of any particular backend so the CLI
/// and the fuzzer share it.
/// </summary>
internal static class DifferentialRun
{
    /// <summary>The reference output and, when the candidate disagrees, the first difference.</summary>
    internal sealed record Result(List<TraceLine> Reference, TraceDivergence? Divergence);

    /// <summary>Runs <paramref name="trace"/> on both and keeps the reference output.</summary>
    internal static Result Run(TraceFile trace, Func<ITraceBackend> reference, Func<ITraceBackend> candidate)
    {
        var output = new List<TraceLine>();
        TraceDivergence? divergence = Run(trace.Path, trace.Commands, reference, candidate, output.Add);
        return new Result(output, divergence);
    }

    /// <summary>
    /// Runs the commands on both as they come, handing each reference line to <paramref name="emit"/> as soon
    /// as it is known, and returns the first difference, or null. The candidate stops at the first difference
    /// (what follows would only repeat it); the reference runs to the end. Trace errors propagate: they do not
    /// depend on the backend up to the first difference.
    /// </summary>
    internal static TraceDivergence? Run(
        string path, IEnumerable<TraceCommand> commands, Func<ITraceBackend> reference, Func<ITraceBackend> candidate, Action<TraceLine> emit)
    {
        using ITraceBackend expectedBackend = reference();
        var expected = new TraceRunner(path, expectedBackend);
        emit(expected.Header);
        var lockstep = new Candidate(path, candidate);
        try
        {
            TraceDivergence? divergence = lockstep.Compare(expected.Header, null);
            foreach (TraceCommand c in commands)
            {
                TraceLine line = expected.Step(c);
                emit(line);
                divergence ??= lockstep.Compare(line, c);
            }

            return divergence;
        }
        finally
        {
            lockstep.Stop();
        }
    }

    /// <summary>The candidate side: runs each command after the reference did, until the first difference.</summary>
    private sealed class Candidate(string path, Func<ITraceBackend> factory)
    {
        private ITraceBackend? _backend;
        private TraceRunner? _runner;

        /// <summary>Runs <paramref name="c"/> (null: start up) and compares with the reference's line.</summary>
        internal TraceDivergence? Compare(TraceLine expected, TraceCommand? c)
        {
            string actual;
            try
            {
                if (c is null)
                {
                    _backend = factory();
                    _runner = new TraceRunner(path, _backend);
                    actual = _runner.Header.Text;
                }
                else
                {
                    actual = _runner!.Step(c).Text;
                }
            }
            catch (Exception e) when (e is not TraceException)
            {
                // A crashing candidate is a divergence to report at the command it failed on, not a reason to stop.
                actual = $"{c?.Text ?? expected.Text} => exception {e.GetType().Name}: {e.Message}";
            }

            if (actual == expected.Text) return null;
            Stop();
            return new TraceDivergence(path, expected.SourceLine, expected.Text, actual);
        }

        internal void Stop()
        {
            _backend?.Dispose();
            _backend = null;
            _runner = null;
        }
    }
}

namespace EventPoll.Trace;

/// <summary>
/// Runs one trace on a reference backend and then on each contender (fresh instances of each), and compares their
/// output lines. The reference runs alone, and each contender after it alone: the kernel backend's numbers come from
/// the process's lowest free ones, which descriptors of a contender (an instance's kernel side) would take if they were
/// open at the same time. Kept free of any particular backend so the CLI and the fuzzer share it.
/// </summary>
internal static class DifferentialRun
{
    /// <summary>The reference output and, when the candidate disagrees, the first difference.</summary>
    internal sealed record Result(List<TraceLine> Reference, TraceDivergence? Divergence);

    /// <summary>
    /// One contender's comparison: its first divergence, or null; and the source line where its run parted from the
    /// reference's under the mixed rule (<see cref="Verdict.Parted"/>), or 0 when it never did.
    /// </summary>
    internal sealed record Comparison(Contender Contender, TraceDivergence? Divergence, int PartedAt);

    /// <summary>Runs <paramref name="trace"/> on both, compared exactly, and keeps the reference output.</summary>
    internal static Result Run(TraceFile trace, Func<ITraceBackend> reference, Func<ITraceBackend> candidate)
    {
        var output = new List<TraceLine>();
        Comparison c = Run(trace.Path, trace.Commands, reference, [new Contender("candidate", _ => candidate())], 0, output.Add)[0];
        return new Result(output, c.Divergence);
    }

    /// <summary>
    /// Runs the commands on the reference as they come, handing each line to <paramref name="emit"/> as soon as it is
    /// known, then on every contender, and returns each contender's comparison. A contender stops at its first
    /// difference or parting (what follows would only repeat it). Trace errors propagate before any contender runs:
    /// they do not depend on the backend up to the first difference. <paramref name="seed"/> is the trace's placement seed.
    /// </summary>
    internal static List<Comparison> Run(string path, IEnumerable<TraceCommand> commands, Func<ITraceBackend> reference,
        IReadOnlyList<Contender> contenders, int seed, Action<TraceLine> emit)
    {
        var steps = new List<(TraceCommand Command, TraceLine Line)>();
        TraceLine header;
        using (ITraceBackend expectedBackend = reference())
        {
            var expected = new TraceRunner(path, expectedBackend);
            header = expected.Header;
            emit(header);
            foreach (TraceCommand c in commands)
            {
                TraceLine line = expected.Step(c);
                emit(line);
                steps.Add((c, line));
            }
        }

        return [.. contenders.Select(contender => Compare(new Candidate(path, reference, contender, seed), header, steps))];
    }

    private static Comparison Compare(Candidate candidate, TraceLine header, List<(TraceCommand Command, TraceLine Line)> steps)
    {
        try
        {
            candidate.Compare(header, null);
            foreach ((TraceCommand c, TraceLine line) in steps) candidate.Compare(line, c);
            return candidate.Outcome;
        }
        finally
        {
            candidate.Stop();
        }
    }

    /// <summary>One contender's side: runs each command after the reference did, until the first difference or parting.</summary>
    private sealed class Candidate(string path, Func<ITraceBackend> reference, Contender contender, int seed)
    {
        private ITraceBackend? _backend;
        private TraceRunner? _runner;
        private MixedJudge? _mixed;
        private bool _stopped;
        private TraceDivergence? _divergence;
        private int _partedAt;

        internal Comparison Outcome => new(contender, _divergence, _partedAt);

        /// <summary>Runs <paramref name="c"/> (null: start up) and compares with the reference's line.</summary>
        internal void Compare(TraceLine expected, TraceCommand? c)
        {
            if (_stopped) return;
            string actual;
            try
            {
                if (c is null)
                {
                    _backend = contender.Create(seed);
                    _runner = new TraceRunner(path, _backend);
                    _mixed = contender.UnderMixedRule ? new MixedJudge(path, reference, (OsBackend)_backend) : null;
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

            Verdict verdict = _mixed is not null && c is not null ? _mixed.Judge(c, expected.Text, actual)
                : actual == expected.Text ? Verdict.Same : Verdict.Differs;
            if (verdict == Verdict.Same) return;
            Stop();
            if (verdict == Verdict.Parted) _partedAt = expected.SourceLine;
            else _divergence = new TraceDivergence(path, expected.SourceLine, expected.Text, actual);
        }

        internal void Stop()
        {
            _stopped = true;
            _backend?.Dispose();
            _backend = null;
            _runner = null;
        }
    }
}

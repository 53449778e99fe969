using EventPoll.Trace;
using Xunit;

namespace EventPoll.Tests.Traces;

/// <summary>The corpus in tests/traces (copied next to the test assembly) and the check every backend must pass.</summary>
internal static class TraceCorpus
{
    private static string Directory => Path.Combine(AppContext.BaseDirectory, "traces");

    /// <summary>Every corpus file name but <paramref name="except"/>, for [MemberData].</summary>
    public static TheoryData<string> Files(params string[] except) => [.. Names().Except(except)];

    /// <summary>The corpus with each placement seed in <paramref name="seeds"/>, for [MemberData].</summary>
    public static TheoryData<string, int> FilesAndSeeds(params int[] seeds)
    {
        var data = new TheoryData<string, int>();
        foreach (string name in Names())
        {
            foreach (int seed in seeds) data.Add(name, seed);
        }

        return data;
    }

    private static IEnumerable<string> Names() =>
        System.IO.Directory.GetFiles(Directory, "*.trace").Order(StringComparer.Ordinal).Select(Path.GetFileName)!;

    /// <summary>Runs one corpus trace on a fresh backend and compares it with the recorded kernel output.</summary>
    public static void Check(string name, Func<ITraceBackend> backend)
    {
        string path = Path.Combine(Directory, name);
        TraceFile trace = TraceParser.Load(path);
        List<TraceLine> actual;
        using (ITraceBackend b = backend())
        {
            actual = TraceRunner.Run(trace, b);
        }

        string[] expected = File.ReadAllText(Path.ChangeExtension(path, ".out")).TrimEnd('\n').Split('\n');
        var recorded = expected.Select(text => new TraceLine(0, text)).ToList();
        TraceDivergence? d = TraceDivergence.Find(path, recorded, actual);
        Assert.True(d is null, d is null ? "" : $"{name}: first difference\n  expected: {d.Reference}\n  actual:   {d.Candidate}");
    }

    /// <summary>Runs one corpus trace on the kernel and the mixed backend in lockstep: no divergence under the mixed rule.</summary>
    public static void CheckMixed(string name, int seed)
    {
        TraceFile trace = TraceParser.Load(Path.Combine(Directory, name));
        DifferentialRun.Comparison c = DifferentialRun.Run(trace.Path, trace.Commands, () => new KernelBackend(), [Contender.Mixed], seed, _ => { })[0];
        Assert.True(c.Divergence is null, $"{name} (placement seed {seed}): first difference\n  kernel: {c.Divergence?.Reference}\n  mixed:  {c.Divergence?.Candidate}");
    }
}

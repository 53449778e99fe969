using EventPoll.Trace;
using Xunit;

namespace EventPoll.Tests.Traces;

/// <summary>The corpus in tests/traces (copied next to the test assembly) and the check every backend must pass.</summary>
internal static class TraceCorpus
{
    private static string Directory => Path.Combine(AppContext.BaseDirectory, "traces");

    /// <summary>Every corpus file name, for [MemberData].</summary>
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (string path in System.IO.Directory.GetFiles(Directory, "*.trace").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(path));
        }

        return data;
    }

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
}

using EventPoll.Trace;
using Xunit;

namespace EventPoll.Tests.Traces;

/// <summary>
/// Each corpus trace must reproduce the kernel output recorded beside it. One theory per backend; the
/// collection runs alone because the kernel's lowest-free-number rule sees every descriptor in the process.
/// </summary>
[Collection(nameof(TraceCorpusCollection))]
public class TraceCorpusTests
{
    [LinuxTheory]
    [MemberData(nameof(Corpus))]
    public void Kernel_backend_matches_recorded_output(string trace) => TraceCorpus.Check(trace, () => new KernelBackend());

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Managed_backend_matches_recorded_output(string trace) => TraceCorpus.Check(trace, () => new ManagedBackend());

    public static TheoryData<string> Corpus() => TraceCorpus.Files();

    [Fact]
    public void Corpus_is_large_enough() => Assert.True(Corpus().Count >= 60, $"only {Corpus().Count} traces");
}

/// <summary>Runs the corpus theories with nothing else in parallel.</summary>
[CollectionDefinition(nameof(TraceCorpusCollection), DisableParallelization = true)]
public sealed class TraceCorpusCollection;

using EventPoll.Trace;
using Xunit;

namespace EventPoll.Tests.Traces;

/// <summary>
/// Each corpus trace must reproduce the kernel output recorded beside it, and agree with the kernel under the mixed
/// rule on the mixed backend. One theory per backend; the collection runs alone because the kernel's
/// lowest-free-number rule sees every descriptor in the process.
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

    [LinuxTheory]
    [MemberData(nameof(OsCorpus))]
    public void Os_backend_matches_recorded_output(string trace) => TraceCorpus.Check(trace, OsBackend.AllOs);

    /// <summary>Four placement seeds: each puts a different half of every trace's sources in the OS.</summary>
    [LinuxTheory]
    [MemberData(nameof(CorpusWithSeeds))]
    public void Mixed_backend_agrees_with_the_kernel_under_the_mixed_rule(string trace, int seed) => TraceCorpus.CheckMixed(trace, seed);

    public static TheoryData<string> Corpus() => TraceCorpus.Files();

    public static TheoryData<string> OsCorpus() => TraceCorpus.Files();

    public static TheoryData<string, int> CorpusWithSeeds() => TraceCorpus.FilesAndSeeds(0, 1, 2, 3);

    [Fact]
    public void Corpus_is_large_enough() => Assert.True(Corpus().Count >= 60, $"only {Corpus().Count} traces");
}

/// <summary>Runs the corpus theories with nothing else in parallel.</summary>
[CollectionDefinition(nameof(TraceCorpusCollection), DisableParallelization = true)]
public sealed class TraceCorpusCollection;

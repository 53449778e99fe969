using EventPoll.Trace;
using EventPoll.Trace.Fuzz;
using Xunit;

namespace EventPoll.Tests.Traces;

[Collection(nameof(TraceCorpusCollection))]
public class FuzzTests
{
    /// <summary>
    /// The CI fuzz: a fixed seed, 2,000 random traces on the kernel and on the engine alone, the engine with OS sources and
    /// the engine with both kinds (under the mixed rule), no divergence.
    /// </summary>
    [LinuxFact]
    public void Fuzz_FixedSeed_2000Traces_NoDivergence()
    {
        FuzzRun.Outcome outcome = new FuzzRun(() => new KernelBackend(), Contender.All).Run(seed: 20261121, count: 2000, length: 40);
        Assert.True(outcome.Divergence is null,
            $"{outcome.Diverged?.Name} diverges after {outcome.Traces} traces (placement seed {outcome.PlacementSeed}):\n"
            + $"{string.Join('\n', outcome.Minimal ?? [])}\nkernel: {outcome.Divergence?.Reference}\n{outcome.Diverged?.Name}: {outcome.Divergence?.Candidate}");
        Assert.Equal(2000, outcome.Traces);
        Assert.Equal(80_000, outcome.Commands);
    }

    [Fact]
    public void Generator_IsDeterministicForASeed_AndTracesParse()
    {
        var a = new TraceGenerator(7);
        var b = new TraceGenerator(7);
        for (int i = 0; i < 50; i++)
        {
            string trace = a.Next(40);
            Assert.Equal(trace, b.Next(40));
            Assert.Equal(40, TraceParser.Parse("gen.trace", trace).Commands.Count);
        }
    }

    [Fact]
    public void Shrinker_KeepsOnlyTheLinesTheDivergenceNeeds()
    {
        List<string> lines = [.. Enumerable.Range(0, 40).Select(i => $"line{i}")];
        // "Diverges" while lines 3, 17 and 31 are all present.
        List<string> minimal = TraceShrinker.Shrink(lines, c => c.Contains("line3") && c.Contains("line17") && c.Contains("line31"));
        Assert.Equal(["line3", "line17", "line31"], minimal);
    }
}

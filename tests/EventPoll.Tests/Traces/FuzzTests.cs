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

    /// <summary>
    /// The engine alone against the kernel, 2,000 traces of the same seed with fans of every size: the all-backend fuzz
    /// above keeps its fans small (<see cref="Contender.HoldsKernelSides"/>), so the wakeup-path limits are fuzzed here.
    /// </summary>
    [LinuxFact]
    public void Fuzz_FixedSeed_2000Traces_ManagedWithLargeFans_NoDivergence()
    {
        FuzzRun.Outcome outcome = new FuzzRun(() => new KernelBackend(), [Contender.Managed]).Run(seed: 20261121, count: 2000, length: 40);
        Assert.True(outcome.Divergence is null,
            $"managed diverges after {outcome.Traces} traces:\n{string.Join('\n', outcome.Minimal ?? [])}\n"
            + $"kernel: {outcome.Divergence?.Reference}\nmanaged: {outcome.Divergence?.Candidate}");
        Assert.Equal(2000, outcome.Traces);
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
            Assert.Equal(40, trace.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.True(TraceParser.Parse("gen.trace", trace).Commands.Count >= 40);
        }
    }

    /// <summary>
    /// The shapes issue 16's survivors needed: fans of instances past the wakeup-path limits (several hundred watchers of
    /// one, a leaf added below them), reads that show their bytes. With contenders that make kernel sides fans stay at 8.
    /// </summary>
    [Theory]
    [InlineData(false, 520)]
    [InlineData(true, 8)]
    public void Generator_MakesFans_UpToTheirLimit_AndByteReads(bool smallFans, int largest)
    {
        var generator = new TraceGenerator(20261121, smallFans);
        List<string> lines = [.. Enumerable.Range(0, 2000).SelectMany(_ => generator.Next(40).Split('\n', StringSplitOptions.RemoveEmptyEntries))];
        int[] fans = [.. lines.Where(l => l.StartsWith("repeat ", StringComparison.Ordinal) && l.Contains(" epoll ", StringComparison.Ordinal))
            .Select(l => int.Parse(l.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture))];
        Assert.Equal(largest, fans.Max());
        if (!smallFans) Assert.Contains(fans, size => size is > 250 and <= 500);
        Assert.Contains(lines, l => l.StartsWith("read ", StringComparison.Ordinal) && l.EndsWith(" bytes", StringComparison.Ordinal));
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

using EventPoll.Tests.Support;
using System.Text.Json;
using System.Xml.Linq;
using EventPoll.Scenarios.Api;
using EventPoll.Scenarios.Measurement;
using EventPoll.Scenarios.Reporting;
using EventPoll.Scenarios.Scenarios;
using Xunit;

namespace EventPoll.Tests.Bench;

/// <summary>
/// The bench harness at tiny sizes: every scenario runs through the same code as `eventpoll bench` and its
/// results are well-formed (counts add up, every variant present, reports parse). No timing is asserted.
/// </summary>
[Collection(nameof(BenchSmokeCollection))]
public class BenchSmokeTests
{
    private static readonly BenchOptions Tiny = new(BenchSize.Tiny);

    /// <summary>Variant names (the enum is internal, so theories take its name).</summary>
    public static TheoryData<string> EpollVariants()
    {
        var data = new TheoryData<string>();
        foreach (Variant v in Variants.Available(Variant.Product, Variant.LockedReadyList, Variant.GlobalClosePathLock, Variant.Kernel)) data.Add(v.ToString());
        return data;
    }

    private static EpollApi Create(string variant) => Variants.Create(Enum.Parse<Variant>(variant));

    [Theory]
    [MemberData(nameof(EpollVariants))]
    public void OneShot_CompletesExactlyWaitersTimesCount(string variant)
    {
        OneShot.Outcome outcome = OneShot.Sample(Create(variant), waiters: 3, writers: 2, files: 4, count: 300);
        Assert.Equal(3 * 300, outcome.CompletedWaits);
        Assert.True(outcome.Writes > 0);
    }

    /// <summary>Every variant, with the workers in their own descriptor tables and in one shared table.</summary>
    public static TheoryData<string, bool> EpollVariantsAndTables()
    {
        var data = new TheoryData<string, bool>();
        foreach (Variant v in Variants.Available(Variant.Product, Variant.LockedReadyList, Variant.GlobalClosePathLock, Variant.Kernel))
        {
            data.Add(v.ToString(), false);
            data.Add(v.ToString(), true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EpollVariantsAndTables))]
    public void ConnRate_ClosesEverythingItOpened(string variant, bool sharedTable)
    {
        EpollApi api = Create(variant);
        long liveBefore = EngineAccess.QuiescedLiveInstances(); // this collection runs alone, so nothing else creates instances
        ConnRate.Outcome outcome = ConnRate.Sample(api, threads: 2, TimeSpan.FromMilliseconds(20), sharedTable);
        Assert.True(outcome.Connections > 0);
        if (api is EngineApi engine)
        {
            Assert.Equal(0, engine.Table.Count);              // every eventfd and instance of the shared table closed
            Assert.Equal(0, engine.Account.Watches);          // close without DEL released every watch, in every table
            Assert.Equal(liveBefore, Eventpoll.LiveInstances); // the workers' own tables closed their instances too
        }
    }

    [Theory]
    [MemberData(nameof(EpollVariants))]
    public void Fanout_PairsEverySampleWithTheReference_AndClosesTheInstance(string variant)
    {
        EpollApi api = Create(variant);
        var engine = api as EngineApi;
        using (var reference = new FanoutInstance(api, Fanout.ReferenceSize))
        {
            Row row = Fanout.Measure(reference, n: 500, TimeSpan.FromMilliseconds(2), repetitions: 3);
            Assert.Equal(3, row.Samples.Length);
            Assert.Equal(3, row.ReferenceSamples?.Length);
            Assert.All(row.Samples.Concat(row.ReferenceSamples!), s => Assert.True(s > 0 && double.IsFinite(s)));
            Assert.True(row.VsReference is > 0 and < double.PositiveInfinity);
            if (engine is not null) Assert.Equal(Fanout.ReferenceSize + 1, engine.Table.Count); // only the reference is left
        }
        if (engine is not null) Assert.Equal(0, engine.Table.Count);
    }

    [Fact]
    public void EveryScenario_ProducesWellFormedRows_AndTheReportsParse()
    {
        BenchRun run = BenchRun.Execute(ScenarioCatalog.Default, Tiny);

        Assert.Equal(ScenarioCatalog.Default.Select(s => s.Name), run.Results.Select(r => r.Name));
        foreach (ScenarioResult result in run.Results)
        {
            Assert.NotEmpty(result.Rows);
            foreach (Row row in result.Rows)
            {
                // Memory rows are deltas of a heap total (the managed heap, or the kernel's system-wide Slab); at
                // smoke size (100 instances) unrelated frees can outweigh them, so only their finiteness says the
                // harness worked. The full-size figures are what the bench reports.
                bool heapDelta = result.Name == Memory.Name;
                Assert.True(double.IsFinite(row.Value) && (row.Value >= 0 || heapDelta), $"{result.Name} {row.Variant} {row.Parameter}: {row.Value}");
                Assert.NotEmpty(row.Samples);
                if (row.Unit is not (Unit.Bytes or Unit.SystemCallsPerWait)) Assert.True(row.Value > 0, $"{result.Name} {row.Variant} {row.Parameter} measured nothing");
            }
            // Every parameter was measured on the same set of variants, so the ratios compare like with like.
            var variantsPerParameter = result.Rows.GroupBy(r => r.Parameter).Select(g => string.Join(",", g.Select(r => r.Variant).Order())).Distinct().ToList();
            if (result.Name is not (Fanout.Name or Alloc.Name or OsDescriptors.Name)) Assert.Single(variantsPerParameter);
        }
        Assert.Equal((ConnRate.Threads.Length + 1) * Variants.Available(Variant.Product, Variant.GlobalClosePathLock, Variant.Kernel).Length,
            run.Results.Single(r => r.Name == ConnRate.Name).Rows.Count);
        Assert.All(run.Results.Single(r => r.Name == Fanout.Name).Rows, r => Assert.NotNull(r.VsReference)); // the bar reads it
        if (KernelApi.IsAvailable)
            Assert.NotNull(run.Results.Single(r => r.Name == MicroCosts.Name).Find(Variants.Label(Variant.Product), MicroCosts.AddDel)!.VsKernel);

        Assert.Equal(NonHttpBars + HttpBars.Count, run.Bars.Count);
        Assert.All(run.Bars.Take(NonHttpBars), b => Assert.NotNull(b.Pass)); // every bar's scenario ran
        Assert.All(run.Bars.Skip(NonHttpBars), b => Assert.Null(b.Pass));    // http's, named only, did not

        string markdown = MarkdownReport.Render(run);
        Assert.Contains("## Bar check", markdown, StringComparison.Ordinal);
        foreach (Scenario s in ScenarioCatalog.Default) Assert.Contains($"## {s.Name}:", markdown, StringComparison.Ordinal);
        using JsonDocument json = JsonDocument.Parse(JsonReport.Render(run));
        Assert.Equal(ScenarioCatalog.Default.Count, json.RootElement.GetProperty("scenarios").GetArrayLength());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("machine").GetProperty("cpu").GetString()));
        Assert.Equal("svg", XDocument.Parse(SvgChart.Render(run)).Root!.Name.LocalName);
    }

    [Fact]
    public void TheDefaultRun_IsEveryScenarioButHttp_WhichRunsOnlyWhenNamed()
    {
        Assert.Equal(ScenarioCatalog.All.Where(s => s.Name != HttpScenario.Name).Select(s => s.Name), ScenarioCatalog.Default.Select(s => s.Name));
        Assert.NotNull(ScenarioCatalog.Find(HttpScenario.Name));
    }

    /// <summary>Bars of the default run's scenarios: issue 4's and 17's (micro, connrate, oneshot, lt-single, fanout, memory, alloc, alternatives) and issue 14's (os).</summary>
    private const int NonHttpBars = 22;

    [Fact]
    public void BarCheck_WithoutResults_ReportsEveryBarAsNotRun()
    {
        IReadOnlyList<Bar> bars = BarCheck.Evaluate([]);
        Assert.Equal(NonHttpBars + HttpBars.Count, bars.Count);
        Assert.All(bars, b => Assert.Equal("not run", b.Verdict));
    }
}

/// <summary>The smoke runs measure process-wide memory and run many threads: nothing else runs beside them.</summary>
[CollectionDefinition(nameof(BenchSmokeCollection), DisableParallelization = true)]
public sealed class BenchSmokeCollection;

using System.Globalization;
using EventPoll.Scenarios.Api;
using EventPoll.Scenarios.Measurement;
using EventPoll.Scenarios.Os;
using EventPoll.Scenarios.Scenarios;

namespace EventPoll.Scenarios.Reporting;

/// <summary>One bar of issue 4, 14, 15 or 17, the figure measured for it, and whether it was met (null: its scenario did not run).</summary>
internal sealed record Bar(string Requirement, string Measured, bool? Pass)
{
    internal string Verdict => Pass switch { true => "PASS", false => "FAIL", null => "not run" };
}

/// <summary>Checks every bar of issues 4, 14, 15 and 17 against a run's results. A missed bar is reported as FAIL, never adjusted.</summary>
internal static class BarCheck
{
    private static readonly string Product = Variants.Label(Variant.Product);

    internal static IReadOnlyList<Bar> Evaluate(IReadOnlyList<ScenarioResult> results)
    {
        ScenarioResult? Get(string name) => results.FirstOrDefault(r => r.Name == name);
        var bars = new List<Bar>();
        ScenarioResult? micro = Get(MicroCosts.Name);
        bars.Add(AtLeast("signal+wait+consume: EventPoll >= 10x the kernel", micro?.Find(Product, MicroCosts.SignalWaitConsume)?.VsKernel, 10));
        bars.Add(AtLeast("ADD+DEL: EventPoll >= 10x the kernel", micro?.Find(Product, MicroCosts.AddDel)?.VsKernel, 10));

        ScenarioResult? conn = Get(ConnRate.Name);
        double?[] vsKernel = [.. ConnRate.Threads.Select(t => conn?.Find(Product, $"T={t}")?.VsKernel)];
        bars.Add(conn is null ? new Bar("connrate: EventPoll >= 5x the kernel at every T", "", null)
            : new Bar("connrate: EventPoll >= 5x the kernel at every T",
                string.Join(", ", ConnRate.Threads.Select((t, i) => $"T={t} {Ratio(vsKernel[i])}")),
                vsKernel.All(v => v is >= 5)));
        double? scaling = conn?.Find(Product, "T=2") is { } t2 && conn.Find(Product, "T=1") is { } t1 ? t2.Value / t1.Value : null;
        bars.Add(AtLeast("connrate: EventPoll T=2 >= 1.7x its own T=1", scaling, 1.7));
        bars.Add(AtLeast("connrate: EventPoll >= 1.3x the close-path-lock before at T=2", conn?.Find(Product, "T=2")?.VsBefore, 1.3));
        bars.Add(AtLeast("connrate: EventPoll >= 1.3x the close-path-lock before at T=8", conn?.Find(Product, "T=8")?.VsBefore, 1.3));
        bars.Add(AtLeast($"connrate: EventPoll >= 1.1x the close-path-lock before at {ConnRate.SharedTableT2}", conn?.Find(Product, ConnRate.SharedTableT2)?.VsBefore, 1.1));
        bars.Add(AtLeast($"connrate: EventPoll >= 3x the kernel at {ConnRate.SharedTableT2}", conn?.Find(Product, ConnRate.SharedTableT2)?.VsKernel, 3));

        // Issue 17 replaced issue 4's oneshot bars (>= 5x the kernel, >= 1.3x the locked list); OneShot's note says why.
        ScenarioResult? oneshot = Get(OneShot.Name);
        bars.Add(AtLeast("oneshot: EventPoll >= 1.15x the kernel", oneshot?.Find(Product)?.VsKernel, 1.15));
        bars.Add(AtLeast("oneshot: wait-free queue >= 1.25x the locked list", oneshot?.Find(Product)?.VsBefore, 1.25));
        bars.Add(AtLeast("lt-single: wait-free queue >= 0.95x the locked list", Get(LtSingle.Name)?.Find(Product)?.VsBefore, 0.95));

        // The paired ratio: medians of N=10 and N=1,000,000 taken a minute apart would measure the machine's drift.
        // Slowdown is the inverse of the speed-up, which for an odd number of repetitions is the median per-repetition slowdown.
        Row? large = Get(Fanout.Name)?.Rows.Where(r => r.Variant == Product).LastOrDefault();
        bars.Add(large?.VsReference is not double speedup ? new Bar("fanout: N = 1,000,000 within 1.2x of N = 10", "", null)
            : new Bar("fanout: N = 1,000,000 within 1.2x of N = 10",
                $"{large.Parameter} {large.Value:F0} ns vs N={Fanout.ReferenceSize} reference {Sampler.Median(large.ReferenceSamples!):F0} ns alongside: {1 / speedup:F2}x the time (median paired ratio)",
                large.Parameter == "N=1000000" && 1 / speedup <= 1.2));

        Row? perWatch = Get(Memory.Name)?.Find(Product, Memory.PerWatch);
        bars.Add(perWatch is null ? new Bar("memory: at most 128 bytes per watch", "", null)
            : new Bar("memory: at most 128 bytes per watch", $"{perWatch.Value:F1} bytes", perWatch.Value <= 128));

        bars.Add(ZeroBytes("alloc: 0 bytes per steady-state operation", [.. Get(Alloc.Name)?.Rows.Where(r => r.Variant == Product) ?? []]));

        ScenarioResult? alternatives = Get(Alternatives.Name);
        bars.Add(AtLeast("alternatives: EventPoll >= 10x Task.WhenAny at N = 1,000", alternatives?.Find(Alternatives.EventPollAsync, "N=1000")?.VsBefore, 10));
        bars.Add(AtLeast("alternatives: EventPoll >= 1x Task.WhenAny at N = 10", alternatives?.Find(Alternatives.EventPollAsync, "N=10")?.VsBefore, 1));
        bars.Add(Within("alternatives: EventPoll within 2x of Channel<T> per round at N = 10 and N = 1,000", alternatives, Alternatives.EventPollAsync,
            [.. Alternatives.Sizes.Select(n => $"N={n}")], r => r.Versus.TryGetValue(Alternatives.Channel, out double v) ? v : null, 2));
        AddOsBars(bars, Get(OsDescriptors.Name));
        HttpBars.Add(bars, Get(HttpScenario.Name));
        return bars;
    }

    /// <summary>Issue 14's bars: EventPoll's OS-descriptor costs against the same system calls made directly, its bytes per operation, and a mixed instance's system calls.</summary>
    private static void AddOsBars(List<Bar> bars, ScenarioResult? os)
    {
        const double Bound = 1.05;
        bars.Add(WithinOfKernel($"os: {OsDescriptors.AddDel} within {Bound}x of the raw system calls", os, [OsDescriptors.AddDel], Bound));
        bars.Add(WithinOfKernel($"os: {OsDescriptors.SignalWaitConsume} within {Bound}x of the raw system calls", os, [OsDescriptors.SignalWaitConsume], Bound));
        bars.Add(WithinOfKernel($"os: wait with 1 of N ready (N = {string.Join(" and ", OsDescriptors.Sizes.Select(n => n.ToString("N0", CultureInfo.InvariantCulture)))}) within {Bound}x of the raw system calls",
            os, [.. OsDescriptors.Sizes.Select(OsDescriptors.WaitOneOf)], Bound));

        bars.Add(ZeroBytes("os: 0 bytes per operation", [.. os?.Rows.Where(r => r.Variant == Product && r.Unit == Unit.Bytes) ?? []]));

        Row[] calls = [.. os?.Rows.Where(r => r.Variant == Product && r.Unit == Unit.SystemCallsPerWait) ?? []];
        Row Required(Row r) => os!.Find(MixedInstanceCalls.Required, r.Parameter)!;
        bars.Add(calls.Length == 0 ? new Bar("os: a mixed instance's waits make no more system calls than their events require", "", null)
            : new Bar("os: a mixed instance's waits make no more system calls than their events require",
                string.Join(", ", calls.Select(r => $"{r.Parameter.Replace("mixed: ", "", StringComparison.Ordinal)} {Calls(r.Value)} vs {Calls(Required(r).Value)} per wait")),
                calls.All(r => r.Value <= Required(r).Value)));
    }

    /// <summary>A bar met when EventPoll's time at every one of <paramref name="parameters"/> is within <paramref name="bound"/> times the kernel's (paired ratios).</summary>
    private static Bar WithinOfKernel(string requirement, ScenarioResult? os, string[] parameters, double bound)
        => Within(requirement, os, Product, parameters, r => r.VsKernel, bound);

    /// <summary>
    /// A bar met when <paramref name="variant"/>'s time at every one of <paramref name="parameters"/> is within
    /// <paramref name="bound"/> times a reference's, from <paramref name="speedup"/>: the row's speed-up over that reference.
    /// </summary>
    private static Bar Within(string requirement, ScenarioResult? result, string variant, string[] parameters, Func<Row, double?> speedup, double bound)
    {
        if (result is null) return new Bar(requirement, "", null);
        double?[] speedups = [.. parameters.Select(p => result.Find(variant, p) is { } row ? speedup(row) : null)];
        return new Bar(requirement,
            string.Join(", ", parameters.Select((p, i) => $"{(parameters.Length > 1 ? p + " " : "")}{(speedups[i] is double s ? Ratio(1 / s) + " the time" : "not measured")}")),
            speedups.All(s => s is double v && 1 / v <= bound));
    }

    /// <summary>A bar met when every one of <paramref name="rows"/> (bytes per operation) rounds to 0.</summary>
    private static Bar ZeroBytes(string requirement, Row[] rows) => rows.Length == 0 ? new Bar(requirement, "", null)
        : new Bar(requirement, string.Join(", ", rows.Select(r => $"{r.Parameter} {r.Value.ToString("0.##", CultureInfo.InvariantCulture)} B")),
            rows.All(r => Math.Round(r.Value) == 0));

    private static string Calls(double perWait) => perWait.ToString("0.###", CultureInfo.InvariantCulture);

    internal static Bar AtLeast(string requirement, double? measured, double bar) =>
        measured is double m ? new Bar(requirement, Ratio(m), m >= bar) : new Bar(requirement, "", null);

    internal static string Ratio(double? ratio) => ratio is double r ? r.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "-";
}

using System.Diagnostics;
using EventPoll.Scenarios.Measurement;
using EventPoll.Scenarios.Scenarios;

namespace EventPoll.Scenarios.Reporting;

/// <summary>A completed run: when, where, how big, what each scenario measured, and the bar check.</summary>
internal sealed record BenchRun(DateTimeOffset Started, BenchSize Size, MachineInfo Machine, IReadOnlyList<ScenarioResult> Results, IReadOnlyList<Bar> Bars, TimeSpan Elapsed)
{
    /// <summary>
    /// Gets what every one of <paramref name="scenarios"/> needs (<see cref="Scenario.Prepare"/>), before anything is
    /// measured; throws <see cref="BenchSetupException"/> if something cannot be had.
    /// </summary>
    internal static void Prepare(IReadOnlyList<Scenario> scenarios, BenchOptions options)
    {
        foreach (Scenario scenario in scenarios) scenario.Prepare?.Invoke(options);
    }

    /// <summary>Runs <paramref name="scenarios"/> in order, one after the other, in this process.</summary>
    internal static BenchRun Execute(IReadOnlyList<Scenario> scenarios, BenchOptions options)
    {
        DateTimeOffset started = DateTimeOffset.Now;
        var total = Stopwatch.StartNew();
        var results = new List<ScenarioResult>();
        foreach (Scenario scenario in scenarios)
        {
            double? lineBefore = CacheLineProbe.RoundTripNs();
            var clock = Stopwatch.StartNew();
            ScenarioResult result = scenario.Run(options);
            result.Elapsed = clock.Elapsed;
            double? lineAfter = CacheLineProbe.RoundTripNs();
            if (lineBefore is not null && lineAfter is not null)
            {
                result.Notes.Add($"a cache line's round trip between two processors (the machine's state, see CacheLineProbe): {lineBefore:F0} ns before the scenario, {lineAfter:F0} ns after");
            }
            results.Add(result);
            // A scenario's garbage (a million items) must not be collected during the next one's timing.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }
        return new BenchRun(started, options.Size, MachineInfo.Current(), results, BarCheck.Evaluate(results), total.Elapsed);
    }
}

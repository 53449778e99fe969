using System.Globalization;
using System.Text;
using EventPoll.Scenarios.Measurement;
using EventPoll.Scenarios.Scenarios;

namespace EventPoll.Scenarios.Reporting;

/// <summary>The human-readable report: a table per scenario and the bar check. Printed to the console and written as .md.</summary>
internal static class MarkdownReport
{
    internal static string Render(BenchRun run)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# eventpoll bench ({(run.Size == BenchSize.Full ? "full" : run.Size.ToString().ToLowerInvariant())} run, {run.Started:yyyy-MM-dd HH:mm:ss zzz})");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {run.Machine.Describe()}. Total time {run.Elapsed.TotalSeconds:F1} s.");
        text.AppendLine("Figures are medians of the repetitions. Ratios come from this run (greater than 1: the row is better): where the variants");
        text.AppendLine("were sampled in turn, the median of the per-repetition ratios (samples taken back to back), else the ratio of the medians;");
        text.AppendLine("\"vs reference (paired)\" pairs each sample with a reference sampled alternately with it.");
        foreach (ScenarioResult result in run.Results) AppendScenario(text, result);
        text.AppendLine();
        text.AppendLine("## Bar check (issues 4, 14, 15 and 17)");
        text.AppendLine();
        text.AppendLine("| bar | measured | result |");
        text.AppendLine("|---|---|---|");
        foreach (Bar bar in run.Bars) text.AppendLine(CultureInfo.InvariantCulture, $"| {bar.Requirement} | {bar.Measured} | {bar.Verdict} |");
        return text.ToString();
    }

    private static void AppendScenario(StringBuilder text, ScenarioResult result)
    {
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"## {result.Name}: {result.Title} ({result.Elapsed.TotalSeconds:F1} s)");
        text.AppendLine();
        if (result.Name == HttpScenario.Name) HttpTable.Append(text, result);
        else AppendRows(text, result);
        foreach (string note in result.Notes) text.AppendLine().Append("Note: ").AppendLine(note);
    }

    /// <summary>The generic table: a line per row, its samples, and its ratios.</summary>
    private static void AppendRows(StringBuilder text, ScenarioResult result)
    {
        bool vsKernel = result.Rows.Any(r => r.VsKernel is not null), vsBefore = result.Rows.Any(r => r.VsBefore is not null);
        bool vsReference = result.Rows.Any(r => r.ReferenceSamples is not null);
        text.Append("| variant | parameter | figure | samples |");
        if (vsKernel) text.Append(" vs kernel |");
        if (vsBefore) text.Append(CultureInfo.InvariantCulture, $" vs {result.BeforeLabel} |");
        if (vsReference) text.Append(" vs reference (paired) |");
        text.AppendLine();
        text.Append("|---|---|---:|---|");
        if (vsKernel) text.Append("---:|");
        if (vsBefore) text.Append("---:|");
        if (vsReference) text.Append("---:|");
        text.AppendLine();
        foreach (Row row in result.Rows)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {row.Variant} | {row.Parameter} | {Figure(row.Value, row.Unit)} | {string.Join(" ", row.Samples.Select(s => Number(s)))} |");
            if (vsKernel) text.Append(CultureInfo.InvariantCulture, $" {BarCheck.Ratio(row.VsKernel)} |");
            if (vsBefore) text.Append(CultureInfo.InvariantCulture, $" {BarCheck.Ratio(row.VsBefore)} |");
            if (vsReference) text.Append(CultureInfo.InvariantCulture, $" {BarCheck.Ratio(row.VsReference)} |");
            text.AppendLine();
        }
    }

    internal static string Figure(double value, Unit unit) => unit switch
    {
        Unit.OpsPerSecond => $"{Number(value)} ops/s",
        Unit.NanosecondsPerOp => $"{Number(value)} ns/op",
        Unit.SystemCallsPerWait => $"{value.ToString("0.###", CultureInfo.InvariantCulture)} calls/wait",
        Unit.Microseconds => value >= 1000 ? $"{(value / 1000).ToString("0.00", CultureInfo.InvariantCulture)} ms" : $"{value.ToString("0.0", CultureInfo.InvariantCulture)} us",
        Unit.Count => value.ToString("0", CultureInfo.InvariantCulture),
        _ => $"{value.ToString("0.##", CultureInfo.InvariantCulture)} B",
    };

    /// <summary>Three significant figures, with k/M suffixes for large values.</summary>
    internal static string Number(double v) => v switch
    {
        >= 1e6 => (v / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + "M",
        >= 1e4 => (v / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + "k",
        >= 100 => v.ToString("0", CultureInfo.InvariantCulture),
        _ => v.ToString("0.##", CultureInfo.InvariantCulture),
    };
}

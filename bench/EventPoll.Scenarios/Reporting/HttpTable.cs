using System.Globalization;
using System.Text;
using EventPoll.Scenarios.Measurement;
using EventPoll.Scenarios.Scenarios;

namespace EventPoll.Scenarios.Reporting;

/// <summary>
/// The http scenario's table: a line per case and server with every figure of it (the generic table would give a
/// line per figure), the per-run requests per second, and the ratios against nginx and Kestrel.
/// </summary>
internal static class HttpTable
{
    internal static void Append(StringBuilder text, ScenarioResult result)
    {
        text.AppendLine("| server | case | req/s | runs (req/s) | p50 | p99 | server CPU/req | wrk CPU/req | socket errors (connect/read/write/timeout) | non-2xx | descriptors idle, after | "
            + $"req/s vs {HttpScenario.Nginx} | req/s vs {HttpScenario.Kestrel} | server CPU / {HttpScenario.Nginx}'s |");
        text.AppendLine("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (Row rate in result.Rows.Where(r => HttpScenario.Split(r).Figure == HttpScenario.Rate))
        {
            string label = HttpScenario.Split(rate).Case;
            Row? Of(string figure) => result.Find(rate.Variant, HttpScenario.Parameter(label, figure));
            string Value(string figure) => Of(figure) is { } row ? MarkdownReport.Figure(row.Value, row.Unit) : "-";
            string errors = string.Join("/", HttpScenario.SocketErrorKinds.Select(kind => Value(HttpScenario.SocketErrors(kind))));
            // The server's CPU as a multiple of nginx's: the inverse of the speed-up, so below 1 is less CPU.
            double? cpuVsNginx = Of(HttpScenario.ServerCpu)?.Versus.TryGetValue(HttpScenario.Nginx, out double s) == true ? 1 / s : null;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {rate.Variant} | {label} | {MarkdownReport.Number(rate.Value)} | {string.Join(" ", rate.Samples.Select(MarkdownReport.Number))} | {Value(HttpScenario.P50)} | {Value(HttpScenario.P99)} | "
                + $"{Value(HttpScenario.ServerCpu)} | {Value(HttpScenario.WrkCpu)} | {errors} | {Value(HttpScenario.BadStatuses)} | {Value(HttpScenario.DescriptorsIdle)}, {Value(HttpScenario.DescriptorsAfter)} | "
                + $"{Versus(rate, HttpScenario.Nginx)} | {Versus(rate, HttpScenario.Kestrel)} | {BarCheck.Ratio(cpuVsNginx)} |");
        }
    }

    private static string Versus(Row row, string variant) => BarCheck.Ratio(row.Versus.TryGetValue(variant, out double ratio) ? ratio : null);
}

using System.Globalization;
using System.Text;
using EventPoll.Scenarios.Measurement;
using EventPoll.Scenarios.Scenarios;
using static EventPoll.Scenarios.Reporting.SvgChart;

namespace EventPoll.Scenarios.Reporting;

/// <summary>
/// The chart's http panel: requests per second of every server in every case, as grouped bars on a linear axis
/// (the cases are categories, not a scale, and bars on a log axis would exaggerate small differences).
/// </summary>
internal static class HttpPanel
{
    internal static void Render(StringBuilder svg, int offsetX, ScenarioResult? http)
    {
        int x0 = offsetX + Left, y0 = Top;
        svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{offsetX + PanelWidth / 2}\" y=\"20\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">http: requests/s per case</text>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<rect x=\"{x0}\" y=\"{y0}\" width=\"{PlotWidth}\" height=\"{PlotHeight}\" fill=\"none\" stroke=\"#999\"/>");
        Row[] rates = [.. http?.Rows.Where(r => HttpScenario.Split(r).Figure == HttpScenario.Rate) ?? []];
        if (rates.Length == 0)
        {
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{x0 + PlotWidth / 2}\" y=\"{y0 + PlotHeight / 2}\" text-anchor=\"middle\" fill=\"#999\">not run</text>");
            return;
        }
        string[] cases = [.. rates.Select(r => HttpScenario.Split(r).Case).Distinct()];
        string[] servers = [.. rates.Select(r => r.Variant).Distinct()];
        double top = NiceCeiling(rates.Max(r => r.Value));
        double Y(double v) => y0 + PlotHeight - v / top * PlotHeight;
        for (int tick = 0; tick <= 4; tick++)
        {
            double value = top * tick / 4, y = Y(value);
            svg.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{x0}\" x2=\"{x0 + PlotWidth}\" y1=\"{y:F1}\" y2=\"{y:F1}\" stroke=\"#eee\"/>");
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{x0 - 5}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{MarkdownReport.Number(value)}</text>");
        }
        double group = (double)PlotWidth / cases.Length, bar = group * 0.8 / servers.Length;
        for (int c = 0; c < cases.Length; c++)
        {
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{x0 + group * (c + 0.5):F1}\" y=\"{y0 + PlotHeight + 15}\" text-anchor=\"middle\" font-size=\"10\">{Escape(cases[c])}</text>");
            for (int s = 0; s < servers.Length; s++)
            {
                if (rates.FirstOrDefault(r => r.Variant == servers[s] && HttpScenario.Split(r).Case == cases[c]) is not { } row) continue;
                double x = x0 + group * c + group * 0.1 + bar * s, y = Y(row.Value);
                // The title is the bar's tooltip: its exact figure.
                svg.AppendLine(CultureInfo.InvariantCulture, $"<rect x=\"{x:F1}\" y=\"{y:F1}\" width=\"{bar:F1}\" height=\"{y0 + PlotHeight - y:F1}\" fill=\"{Colors[s % Colors.Length]}\">"
                    + $"<title>{Escape($"{servers[s]}, {cases[c]}: {MarkdownReport.Number(row.Value)} req/s")}</title></rect>");
            }
        }
        for (int s = 0; s < servers.Length; s++)
        {
            int ly = y0 + 12 + 14 * s;
            svg.AppendLine(CultureInfo.InvariantCulture, $"<rect x=\"{x0 + 8}\" y=\"{ly - 9}\" width=\"16\" height=\"9\" fill=\"{Colors[s % Colors.Length]}\"/>");
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{x0 + 28}\" y=\"{ly}\">{Escape(servers[s])}</text>");
        }
        svg.AppendLine(CultureInfo.InvariantCulture, $"<text transform=\"translate({offsetX + 14},{y0 + PlotHeight / 2}) rotate(-90)\" text-anchor=\"middle\">req/s</text>");
    }

    /// <summary>The smallest 1, 2 or 5 times a power of ten at or above <paramref name="value"/>: the axis's top.</summary>
    private static double NiceCeiling(double value)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(value, 1))));
        return new[] { 1, 2, 5, 10 }.Select(m => m * power).First(top => top >= value);
    }
}

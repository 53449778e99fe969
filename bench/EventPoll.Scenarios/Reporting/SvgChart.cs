using System.Globalization;
using System.Text;
using EventPoll.Scenarios.Measurement;
using EventPoll.Scenarios.Scenarios;

namespace EventPoll.Scenarios.Reporting;

/// <summary>
/// The scaling chart, hand-written SVG (no plotting dependency): connrate ops/s against threads, and fanout
/// time per wait against N, each on log-log axes so curves an order of magnitude apart stay readable; and http's
/// requests per second per case and server as bars on a linear axis (<see cref="HttpPanel"/>).
/// </summary>
internal static class SvgChart
{
    internal const int PanelWidth = 440, PanelHeight = 320, Left = 70, Top = 40, PlotWidth = 340, PlotHeight = 220;
    internal static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

    private sealed record Series(string Label, IReadOnlyList<(double X, double Y)> Points);

    internal static string Render(BenchRun run)
    {
        var svg = new StringBuilder();
        svg.AppendLine(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{3 * PanelWidth}\" height=\"{PanelHeight + 20}\" font-family=\"sans-serif\" font-size=\"11\">");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        Panel(svg, 0, "connrate: connections/s vs threads", "threads (T)", "ops/s", SeriesOf(run, ConnRate.Name));
        Panel(svg, PanelWidth, "fanout: ns per wait vs N watched", "N watched", "ns/wait", SeriesOf(run, Fanout.Name));
        HttpPanel.Render(svg, 2 * PanelWidth, run.Results.FirstOrDefault(r => r.Name == HttpScenario.Name));
        svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"10\" y=\"{PanelHeight + 12}\" fill=\"#666\">{Escape(run.Machine.Describe())}, {run.Started:yyyy-MM-dd HH:mm}</text>");
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    /// <summary>One series per variant; the parameter "T=4" or "N=1000" gives the x value (other rows, like "T=2, one table", are not on the curve).</summary>
    private static List<Series> SeriesOf(BenchRun run, string scenario)
    {
        ScenarioResult? result = run.Results.FirstOrDefault(r => r.Name == scenario);
        if (result is null) return [];
        return [.. result.Rows.GroupBy(r => r.Variant).Select(g => new Series(g.Key,
            [.. g.Where(r => XOf(r) is not null).Select(r => (XOf(r)!.Value, r.Value))]))];
    }

    private static double? XOf(Row row) =>
        double.TryParse(row.Parameter.AsSpan(2), NumberStyles.Float, CultureInfo.InvariantCulture, out double x) ? x : null;

    private static void Panel(StringBuilder svg, int offsetX, string title, string xLabel, string yLabel, List<Series> series)
    {
        int x0 = offsetX + Left, y0 = Top;
        svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{offsetX + PanelWidth / 2}\" y=\"20\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">{Escape(title)}</text>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<rect x=\"{x0}\" y=\"{y0}\" width=\"{PlotWidth}\" height=\"{PlotHeight}\" fill=\"none\" stroke=\"#999\"/>");
        if (series.Count == 0 || series.All(s => s.Points.Count == 0))
        {
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{x0 + PlotWidth / 2}\" y=\"{y0 + PlotHeight / 2}\" text-anchor=\"middle\" fill=\"#999\">not run</text>");
            return;
        }
        var xs = series.SelectMany(s => s.Points.Select(p => p.X)).ToArray();
        var ys = series.SelectMany(s => s.Points.Select(p => p.Y)).Where(y => y > 0).ToArray();
        (double xMin, double xMax) = (Math.Log10(xs.Min()), Math.Log10(xs.Max()));
        (double yMin, double yMax) = (Math.Floor(Math.Log10(ys.Min())), Math.Ceiling(Math.Log10(ys.Max())));
        if (xMax <= xMin) xMax = xMin + 1;
        if (yMax <= yMin) yMax = yMin + 1;
        double X(double x) => x0 + (Math.Log10(x) - xMin) / (xMax - xMin) * PlotWidth;
        double Y(double y) => y0 + PlotHeight - (Math.Log10(y) - yMin) / (yMax - yMin) * PlotHeight;

        foreach (double x in xs.Distinct())
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{X(x):F1}\" y=\"{y0 + PlotHeight + 15}\" text-anchor=\"middle\">{MarkdownReport.Number(x)}</text>");
        for (double d = yMin; d <= yMax; d++)
        {
            double y = Y(Math.Pow(10, d));
            svg.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{x0}\" x2=\"{x0 + PlotWidth}\" y1=\"{y:F1}\" y2=\"{y:F1}\" stroke=\"#eee\"/>");
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{x0 - 5}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{MarkdownReport.Number(Math.Pow(10, d))}</text>");
        }
        svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{x0 + PlotWidth / 2}\" y=\"{y0 + PlotHeight + 32}\" text-anchor=\"middle\">{Escape(xLabel)} (log)</text>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<text transform=\"translate({offsetX + 14},{y0 + PlotHeight / 2}) rotate(-90)\" text-anchor=\"middle\">{Escape(yLabel)} (log)</text>");

        for (int i = 0; i < series.Count; i++)
        {
            string color = Colors[i % Colors.Length];
            string points = string.Join(" ", series[i].Points.Where(p => p.Y > 0).Select(p => string.Create(CultureInfo.InvariantCulture, $"{X(p.X):F1},{Y(p.Y):F1}")));
            svg.AppendLine(CultureInfo.InvariantCulture, $"<polyline points=\"{points}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>");
            foreach ((double x, double y) in series[i].Points.Where(p => p.Y > 0))
                svg.AppendLine(CultureInfo.InvariantCulture, $"<circle cx=\"{X(x):F1}\" cy=\"{Y(y):F1}\" r=\"3\" fill=\"{color}\"/>");
            int ly = y0 + 12 + 14 * i;
            svg.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{x0 + 8}\" x2=\"{x0 + 24}\" y1=\"{ly - 4}\" y2=\"{ly - 4}\" stroke=\"{color}\" stroke-width=\"2\"/>");
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{x0 + 28}\" y=\"{ly}\">{Escape(series[i].Label)}</text>");
        }
    }

    internal static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}

using EventPoll.Scenarios.Reporting;

namespace EventPoll.Cli;

/// <summary>Writes a bench run's reports: &lt;timestamp&gt;-results.md/.json and &lt;timestamp&gt;-scaling.svg, plus latest-* copies.</summary>
internal static class ResultFiles
{
    internal static IEnumerable<string> Write(BenchRun run, string directory)
    {
        Directory.CreateDirectory(directory);
        string stamp = run.Started.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
        (string Name, string Latest, string Text)[] files =
        [
            ($"{stamp}-results.md", "latest-results.md", MarkdownReport.Render(run)),
            ($"{stamp}-results.json", "latest-results.json", JsonReport.Render(run)),
            ($"{stamp}-scaling.svg", "latest-scaling.svg", SvgChart.Render(run)),
        ];
        foreach ((string name, string latest, string text) in files)
        {
            string path = Path.Combine(directory, name);
            File.WriteAllText(path, text);
            File.Copy(path, Path.Combine(directory, latest), overwrite: true);
            yield return path;
        }
    }
}

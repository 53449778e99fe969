namespace EventPoll.Scenarios.Measurement;

/// <summary>What one scenario measured: its rows (in display order), notes, and how long it took.</summary>
internal sealed class ScenarioResult(string name, string title)
{
    internal string Name { get; } = name;

    /// <summary>One line saying what the scenario measures.</summary>
    internal string Title { get; } = title;

    internal List<Row> Rows { get; } = [];

    /// <summary>Facts a reader needs to judge the figures (sizes, limits reached, reasons for a skipped variant).</summary>
    internal List<string> Notes { get; } = [];

    internal TimeSpan Elapsed { get; set; }

    /// <summary>The variant <see cref="Row.VsBefore"/> compares with (a "before" design, or the alternative a user would pick), or null.</summary>
    internal string? BeforeLabel { get; private set; }

    /// <summary>The row of <paramref name="variant"/> at <paramref name="parameter"/>, or null.</summary>
    internal Row? Find(string variant, string parameter = "") =>
        Rows.FirstOrDefault(r => r.Variant == variant && r.Parameter == parameter);

    /// <summary>Sets every row's ratios against the kernel and the "before" row with the same parameter.</summary>
    internal void ComputeRatios(string? before)
    {
        BeforeLabel = before;
        foreach (Row row in Rows)
        {
            if (Find(Api.Variants.Label(Api.Variant.Kernel), row.Parameter) is { } kernel && kernel != row) row.VsKernel = row.SpeedupOver(kernel);
            if (before is not null && Find(before, row.Parameter) is { } b && b != row) row.VsBefore = row.SpeedupOver(b);
        }
    }
}

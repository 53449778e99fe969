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

    /// <summary>
    /// Whether the variants' samples were taken in turn (<see cref="Sampler.Interleaved"/>): sample i of every
    /// variant at one parameter back to back, so ratios can pair them.
    /// </summary>
    internal bool VariantsInterleaved { get; init; }

    /// <summary>The variant <see cref="Row.VsBefore"/> compares with (a "before" design, or the alternative a user would pick), or null.</summary>
    internal string? BeforeLabel { get; private set; }

    /// <summary>The row of <paramref name="variant"/> at <paramref name="parameter"/>, or null.</summary>
    internal Row? Find(string variant, string parameter = "") =>
        Rows.FirstOrDefault(r => r.Variant == variant && r.Parameter == parameter);

    /// <summary>
    /// Sets every row's ratios against the kernel and the "before" row with the same parameter: the median of
    /// the per-repetition ratios when the variants were interleaved (drift between repetitions cancels),
    /// otherwise the ratio of the medians.
    /// </summary>
    internal void ComputeRatios(string? before)
    {
        BeforeLabel = before;
        foreach (Row row in Rows)
        {
            if (Find(Api.Variants.Label(Api.Variant.Kernel), row.Parameter) is { } kernel && kernel != row) row.VsKernel = Speedup(row, kernel);
            if (before is not null && Find(before, row.Parameter) is { } b && b != row) row.VsBefore = Speedup(row, b);
        }
    }

    private double Speedup(Row row, Row reference) =>
        VariantsInterleaved && row.Samples.Length == reference.Samples.Length ? row.PairedSpeedupOver(reference.Samples) : row.SpeedupOver(reference);
}

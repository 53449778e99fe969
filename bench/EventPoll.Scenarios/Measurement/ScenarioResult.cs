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
    /// Whether the variants' samples were taken in turn (<see cref="AddInterleaved"/>, or a scenario that samples in
    /// turn itself): sample i of every variant at one parameter back to back, so ratios can pair them.
    /// </summary>
    internal bool VariantsInterleaved { get; set; }

    /// <summary>The variant <see cref="Row.VsBefore"/> compares with (a "before" design, or the alternative a user would pick), or null.</summary>
    internal string? BeforeLabel { get; private set; }

    /// <summary>
    /// Samples every one of <paramref name="variants"/> in turn at one parameter (<see cref="Sampler.Interleaved"/>)
    /// and adds a row per variant. <paramref name="sample"/> takes the variant's index and returns operations per
    /// second; rows in <see cref="Unit.NanosecondsPerOp"/> get the inverse.
    /// </summary>
    internal void AddInterleaved(BenchOptions options, string parameter, Unit unit, IReadOnlyList<string> variants,
        Func<int, double> sample, int? repetitions = null) =>
        AddInterleavedFigures(options, parameter, [parameter], unit, variants,
            e => [unit == Unit.NanosecondsPerOp ? 1e9 / sample(e) : sample(e)], repetitions);

    /// <summary>
    /// Like <see cref="AddInterleaved"/> where one sample yields several figures (a latency's median and p99, say), already
    /// in <paramref name="unit"/>: figure i of each sample goes to the row of <paramref name="parameters"/>[i].
    /// <paramref name="label"/> names the samples in progress reports.
    /// </summary>
    internal void AddInterleavedFigures(BenchOptions options, string label, IReadOnlyList<string> parameters, Unit unit,
        IReadOnlyList<string> variants, Func<int, double[]> sample, int? repetitions = null)
    {
        int reps = repetitions ?? options.Repetitions;
        string at = label.Length > 0 ? $"{label} " : "";
        Func<double[]>[] entries = [.. variants.Select((_, e) => (Func<double[]>)(() => sample(e)))];
        double[][][] samples = Sampler.Interleaved(reps, entries,
            (r, e) => options.Report($"{Name}: {at}{variants[e]} {Sampler.RepLabel(r, reps)}"));
        for (int p = 0; p < parameters.Count; p++)
        {
            for (int e = 0; e < variants.Count; e++) Rows.Add(Row.FromSamples(variants[e], parameters[p], unit, [.. samples[e].Select(s => s[p])]));
        }
        VariantsInterleaved = true;
    }

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

    /// <summary>
    /// Sets <see cref="Row.Versus"/> of every row against each of <paramref name="variants"/> at the same parameter, by
    /// the rule of <see cref="ComputeRatios"/>; counts (<see cref="Unit.Count"/>) are not compared.
    /// </summary>
    internal void CompareWith(IReadOnlyList<string> variants)
    {
        ComparedWith = variants;
        foreach (Row row in Rows.Where(r => r.Unit != Unit.Count))
        {
            foreach (string variant in variants)
            {
                // A zero figure (no CPU tick in a short run, say) has no finite ratio, and JSON cannot carry another.
                if (Find(variant, row.Parameter) is { } reference && reference != row && Speedup(row, reference) is var ratio && double.IsFinite(ratio) && ratio > 0)
                    row.Versus[variant] = ratio;
            }
        }
    }

    /// <summary>The variants <see cref="CompareWith"/> compared every row with, in order.</summary>
    internal IReadOnlyList<string> ComparedWith { get; private set; } = [];

    private double Speedup(Row row, Row reference) =>
        VariantsInterleaved && row.Samples.Length == reference.Samples.Length ? row.PairedSpeedupOver(reference.Samples) : row.SpeedupOver(reference);
}

using EventPoll.Scenarios.Api;
using EventPoll.Scenarios.Measurement;

namespace EventPoll.Scenarios.Scenarios;

/// <summary>
/// One ready item among N watched: a wait must cost the same whatever N is (only ready items are visited).
/// The kernel needs N eventfds, so its run raises RLIMIT_NOFILE where it may and stops at the largest N it
/// can open (noted in the result).
/// </summary>
/// <remarks>
/// Sizes are measured a minute apart, long enough for a shared machine to drift by more than the effect looked
/// for, so each size is judged against a reference instance (N = <see cref="ReferenceSize"/>) kept open for the
/// whole scenario and sampled alternately with it: drift then moves both alike and the paired ratio
/// (<see cref="Row.VsReference"/>) keeps only what N costs.
/// </remarks>
internal static class Fanout
{
    internal const string Name = "fanout";
    internal static readonly int[] Sizes = [10, 1_000, 100_000, 1_000_000];
    internal const int ReferenceSize = 10;

    internal static ScenarioResult Run(BenchOptions options)
    {
        var result = new ScenarioResult(Name, "One ready item among N watched: ns per wait");
        int[] sizes = options.Size == BenchSize.Tiny ? [10, 1_000] : Sizes;
        Variant[] variants = Variants.Available(Variant.Product, Variant.Kernel);
        int kernelMax = variants.Contains(Variant.Kernel) ? KernelLimit(sizes[^1]) : 0;
        if (kernelMax < sizes[^1] && kernelMax > sizes[0])
        {
            // The kernel cannot open N eventfds for the larger sizes: add the largest N it can, for both, so the
            // kernel's curve reaches as far as this machine allows and has an engine figure to compare with.
            sizes = [.. sizes.Append(kernelMax).Order().Distinct()];
            result.Notes.Add($"kernel: RLIMIT_NOFILE is {ResourceLimits.OpenFiles:N0} and could not be raised (no CAP_SYS_RESOURCE), so the kernel ran up to N={kernelMax:N0}");
        }
        result.Notes.Add($"vs reference: each N was sampled alternately with an N={ReferenceSize} instance of the same variant kept open throughout; " +
            "the ratio is the median of the per-repetition ratios, so drift between sizes cancels (at N=10 it shows the pairing's own noise). The bar uses it.");
        var references = new List<FanoutInstance>();
        try
        {
            foreach (Variant v in variants) references.Add(new FanoutInstance(Variants.Create(v), ReferenceSize));
            foreach (int n in sizes)
            {
                for (int i = 0; i < variants.Length; i++)
                {
                    if (variants[i] == Variant.Kernel && n > kernelMax) continue;
                    result.Rows.Add(Measure(references[i], n, options.SampleDuration, options.Repetitions, options.Report));
                }
            }
        }
        finally
        {
            foreach (FanoutInstance reference in references) reference.Dispose();
        }
        result.ComputeRatios(before: null);
        return result;
    }

    /// <summary>The largest N (a multiple of 1,000) the kernel run can open eventfds for, after trying to raise RLIMIT_NOFILE to <paramref name="wanted"/>.</summary>
    internal static int KernelLimit(int wanted)
    {
        long limit = ResourceLimits.TryRaiseOpenFiles(wanted + 1024);
        if (limit >= wanted + 256) return wanted;
        return (int)Math.Max(0, (limit - 1024) / 1000 * 1000); // room for the runtime's own descriptors
    }

    /// <summary>
    /// Builds an instance watching <paramref name="n"/> eventfds through the reference's API (one descriptor
    /// table per variant, as in a process), samples it alternately with <paramref name="reference"/>, and closes
    /// it before returning: the kernel's RLIMIT_NOFILE leaves room for one large instance only.
    /// Returns its row (ns per wait) with the reference's samples beside its own.
    /// </summary>
    internal static Row Measure(FanoutInstance reference, int n, TimeSpan duration, int repetitions, Action<string>? progress = null)
    {
        string variant = reference.Api.Name;
        progress?.Invoke($"{Name}: N={n:N0} {variant} (registering)");
        using var instance = new FanoutInstance(reference.Api, n);
        double[][] samples = Sampler.Interleaved(repetitions, [() => instance.Sample(duration), () => reference.Sample(duration)],
            (r, e) => progress?.Invoke($"{Name}: N={n:N0} {variant}{(e == 0 ? "" : $", N={ReferenceSize} reference")} {Sampler.RepLabel(r, repetitions)}"));
        return Row.FromSamples(variant, $"N={n}", Unit.NanosecondsPerOp, samples[0]) with { ReferenceSamples = samples[1] };
    }
}

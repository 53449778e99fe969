using System.Diagnostics;

namespace EventPoll.Scenarios.Measurement;

/// <summary>
/// Timing loops. Each sample runs for a fixed duration after a warm-up (so the JIT's tiers and the caches have
/// settled), and variants are sampled in turn within each repetition, so slow drift of a noisy machine spreads
/// over all of them instead of favouring whichever ran first.
/// </summary>
internal static class Sampler
{
    /// <summary>Operations per call of a batch delegate: large enough that the clock and the call cost nothing.</summary>
    internal const int BatchSize = 256;

    /// <summary>Runs <paramref name="batch"/> (which performs <see cref="BatchSize"/> operations) for <paramref name="duration"/>; returns operations per second.</summary>
    internal static double Throughput(Action batch, TimeSpan duration)
    {
        for (int i = 0; i < 8; i++) batch(); // warm-up
        long ops = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            batch();
            ops += BatchSize;
        }
        while (clock.Elapsed < duration);
        return ops / clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Takes <paramref name="repetitions"/> samples of every entry, interleaved (entry 1, entry 2, ..., then again
    /// in reverse order, and so on, so no entry always follows the same one), after one discarded sample of
    /// each: the JIT compiles hot code at full optimisation only after it has run for a while (tiered
    /// compilation), so a first sample would measure unoptimised code.
    /// Returns the samples per entry in the order given.
    /// </summary>
    internal static double[][] Interleaved(int repetitions, IReadOnlyList<Func<double>> entries, Action<int, int>? progress = null)
        => Interleaved<double>(repetitions, entries, progress);

    /// <summary>Like <see cref="Interleaved(int, IReadOnlyList{Func{double}}, Action{int, int}?)"/> for samples of any kind (several figures each, say).</summary>
    internal static T[][] Interleaved<T>(int repetitions, IReadOnlyList<Func<T>> entries, Action<int, int>? progress = null)
    {
        var samples = new T[entries.Count][];
        for (int e = 0; e < entries.Count; e++)
        {
            progress?.Invoke(-1, e);
            Settle();
            entries[e]();
            samples[e] = new T[repetitions];
        }
        for (int r = 0; r < repetitions; r++)
        {
            for (int i = 0; i < entries.Count; i++)
            {
                int e = r % 2 == 0 ? i : entries.Count - 1 - i;
                progress?.Invoke(r, e);
                Settle();
                samples[e][r] = entries[e]();
            }
        }
        return samples;
    }

    /// <summary>Collects the garbage earlier samples left, so no sample pays for another's collections.</summary>
    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>Progress text for repetition <paramref name="r"/> (-1: the warm-up).</summary>
    internal static string RepLabel(int r, int repetitions) => r < 0 ? "warm-up" : $"rep {r + 1}/{repetitions}";

    /// <summary>The median (the mean of the two middle values for an even count).</summary>
    internal static double Median(IReadOnlyList<double> values)
    {
        double[] sorted = [.. values];
        Array.Sort(sorted);
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

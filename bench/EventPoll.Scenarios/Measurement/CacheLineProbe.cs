using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EventPoll.Scenarios.Measurement;

/// <summary>
/// How long one cache line takes to travel between two processors and back, measured by two threads passing a
/// counter. On the 2-vCPU VM the benchmarks were tuned on this swings from ~50 ns to ~1 us within minutes (its
/// host's other tenants), and every scenario where threads share a line (a lock, a ready list, a descriptor
/// table) moves with it, so each scenario's report records it before and after.
/// </summary>
internal static class CacheLineProbe
{
    private const int RoundTrips = 20_000, Trials = 5;

    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private struct PaddedCounter
    {
        [FieldOffset(64)] public int Value; // alone on its line: nothing else the threads touch shares it
    }

    /// <summary>
    /// The median nanoseconds per round trip over a few trials (after one discarded warm-up trial, which also
    /// wakes the other processor from idle); null on one processor.
    /// </summary>
    internal static double? RoundTripNs()
    {
        if (Environment.ProcessorCount < 2) return null;
        var counter = new PaddedCounter[1];
        const int total = (Trials + 1) * RoundTrips;
        var echo = new Thread(() =>
        {
            // Answers each odd value with the next even one.
            for (int expected = 1; expected < 2 * total; expected += 2)
            {
                while (Volatile.Read(ref counter[0].Value) != expected) Thread.SpinWait(1);
                Volatile.Write(ref counter[0].Value, expected + 1);
            }
        }) { IsBackground = true, Name = "cache-line probe echo" };
        echo.Start();
        var trials = new double[Trials + 1];
        int sent = 1;
        for (int t = 0; t <= Trials; t++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < RoundTrips; i++, sent += 2)
            {
                Volatile.Write(ref counter[0].Value, sent);
                while (Volatile.Read(ref counter[0].Value) != sent + 1) Thread.SpinWait(1);
            }
            trials[t] = clock.Elapsed.TotalNanoseconds / RoundTrips;
        }
        echo.Join();
        double[] kept = [.. trials.Skip(1).Order()];
        return kept[Trials / 2];
    }
}

using System.Diagnostics;

namespace EventPoll.Scenarios.Os;

/// <summary>
/// How long a thread blocked in a wait takes to return once another thread signals it. Each round the waiter
/// blocks; the signaller waits until the waiter is asleep (<see cref="ThreadSleepProbe"/>), notes the time and
/// signals; the waiter notes the time it returns, consumes and blocks again. Both read one monotonic clock
/// (Stopwatch is CLOCK_MONOTONIC on Linux, as the C program's).
/// </summary>
internal static class WakeupLatency
{
    /// <summary>Rounds run before the timed ones (and counted by callers that count system calls).</summary>
    internal const int WarmUpRounds = 50;
    private static readonly TimeSpan FailsafeLimit = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Latencies in ns of <paramref name="rounds"/> wakeups (after a few untimed ones). <paramref name="wait"/> and then
    /// <paramref name="consume"/> run on the waiter thread: the wait blocks until signalled (the clock is read as it
    /// returns), the consume leaves the source unsignalled again.
    /// </summary>
    internal static double[] Measure(int rounds, Action wait, Action consume, Action signal)
    {
        int total = WarmUpRounds + rounds;
        var latencies = new double[rounds];
        long signalledAt = 0; // written by the signaller before it signals, read by the waiter after it returns
        int done = 0, tid = 0;
        Exception? failure = null;
        var waiter = new Thread(() =>
        {
            Volatile.Write(ref tid, ThreadSleepProbe.CurrentThreadId());
            try
            {
                for (int r = 0; r < total; r++)
                {
                    wait();
                    long returnedAt = Stopwatch.GetTimestamp();
                    if (r >= WarmUpRounds) latencies[r - WarmUpRounds] = (returnedAt - Volatile.Read(ref signalledAt)) * 1e9 / Stopwatch.Frequency;
                    consume();
                    Volatile.Write(ref done, r + 1);
                }
            }
            catch (Exception e)
            {
                failure = e;
                Volatile.Write(ref done, -1);
            }
        }) { IsBackground = true, Name = "os bench waiter" };
        waiter.Start();
        var clock = Stopwatch.StartNew();
        while (Volatile.Read(ref tid) == 0) Failsafe(clock, "the waiter to start");
        using (var probe = new ThreadSleepProbe(tid))
        {
            for (int r = 0; r < total && Volatile.Read(ref done) >= 0; r++)
            {
                clock.Restart();
                while (Volatile.Read(ref done) == r && !probe.IsAsleep) Failsafe(clock, "the waiter to sleep");
                Volatile.Write(ref signalledAt, Stopwatch.GetTimestamp());
                signal();
                // A busy spin, as the C program's: the signaller neither sleeps nor yields its processor to the waiter.
                while (Volatile.Read(ref done) == r) Failsafe(clock, "the waiter to wake");
            }
        }
        waiter.Join();
        if (failure is not null) throw new InvalidOperationException("the waiter failed", failure);
        return latencies;
    }

    /// <summary>The median and the 99th percentile (nearest rank) of <paramref name="latencies"/>.</summary>
    internal static double[] MedianAndP99(double[] latencies)
    {
        double[] sorted = [.. latencies.Order()];
        return [Measurement.Sampler.Median(sorted), sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(0.99 * sorted.Length) - 1)]];
    }

    private static void Failsafe(Stopwatch clock, string what)
    {
        Thread.SpinWait(20);
        if (clock.Elapsed > FailsafeLimit) throw new TimeoutException($"waited {FailsafeLimit.TotalSeconds:F0} s for {what}");
    }
}

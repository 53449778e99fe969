using System.Diagnostics;

namespace EventPoll;

/// <summary>
/// An absolute deadline on the monotonic high-resolution clock, from a millisecond timeout (negative = none),
/// as ep_poll turns a relative timeout into an absolute CLOCK_MONOTONIC one. Environment.TickCount64 would lag
/// real time by a few milliseconds and end waits early; remaining time is rounded up, so a wait never ends
/// before its timeout (Linux sleeps at least that long).
/// </summary>
internal readonly struct Deadline(long timeoutMs)
{
    private readonly long _end = timeoutMs switch
    {
        < 0 => long.MaxValue,
        0 => 0, // already passed; a zero timeout never reads the clock
        _ => Stopwatch.GetTimestamp() + (long)Math.Min(timeoutMs * (double)Stopwatch.Frequency / 1000, long.MaxValue / 2),
    };

    /// <summary>Whether the deadline has passed (never, without one).</summary>
    internal bool HasPassed => _end != long.MaxValue && Stopwatch.GetTimestamp() >= _end;

    /// <summary>Time left (<see cref="Timeout.InfiniteTimeSpan"/> without a deadline, <see cref="TimeSpan.Zero"/> once passed).</summary>
    internal TimeSpan RemainingTime()
    {
        if (_end == long.MaxValue) return Timeout.InfiniteTimeSpan;
        long left = _end - Stopwatch.GetTimestamp();
        return left <= 0 ? TimeSpan.Zero : TimeSpan.FromTicks((long)Math.Ceiling(left * (double)TimeSpan.TicksPerSecond / Stopwatch.Frequency));
    }

    /// <summary>Milliseconds left, rounded up (<see cref="Timeout.Infinite"/> without a deadline).</summary>
    internal int RemainingMs()
    {
        if (_end == long.MaxValue) return Timeout.Infinite;
        long left = _end - Stopwatch.GetTimestamp();
        if (left <= 0) return 0;
        double ms = Math.Ceiling(left * 1000.0 / Stopwatch.Frequency);
        return (int)Math.Min(ms, int.MaxValue - 1);
    }
}

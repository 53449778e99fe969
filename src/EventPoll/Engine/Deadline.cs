using System.Diagnostics;

namespace EventPoll;

/// <summary>
/// An absolute deadline on the monotonic high-resolution clock, from a millisecond timeout (negative = none),
/// as ep_poll turns a relative timeout into an absolute CLOCK_MONOTONIC one. Environment.TickCount64 would lag
/// real time by a few milliseconds and end waits early; remaining time is rounded up, so a wait never ends
/// before its timeout (Linux sleeps at least that long).
/// </summary>
internal readonly struct Deadline
{
    private readonly long _end; // a Stopwatch timestamp; long.MaxValue: none; 0: passed without reading the clock

    /// <summary>The deadline <paramref name="timeoutMs"/> milliseconds from now (negative: none; 0: passed).</summary>
    internal Deadline(long timeoutMs) => _end = timeoutMs switch
    {
        < 0 => long.MaxValue,
        0 => 0, // already passed; a zero timeout never reads the clock
        _ => Stopwatch.GetTimestamp() + (long)Math.Min(timeoutMs * (double)Stopwatch.Frequency / 1000, long.MaxValue / 2),
    };

    private Deadline(long end, bool _) => _end = end;

    /// <summary>A deadline that has passed: a wait until it never blocks.</summary>
    internal static Deadline Passed => default; // _end 0

    /// <summary>The deadline <paramref name="timeout"/> from now, to the clock's resolution (<see cref="Timeout.InfiniteTimeSpan"/>: none).</summary>
    internal static Deadline After(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan) return new(Timeout.Infinite);
        // Stryker disable once Equality : a zero timeout's deadline at the clock's now has passed too; Passed only saves clock reads
        if (timeout <= TimeSpan.Zero) return Passed;
        double ticks = Math.Ceiling(timeout.Ticks * (double)Stopwatch.Frequency / TimeSpan.TicksPerSecond);
        // Stryker disable once Boolean : the flag only picks the private constructor; its value is never read
        return new(Stopwatch.GetTimestamp() + (long)Math.Min(ticks, long.MaxValue / 2), false);
    }

    /// <summary>Whether the deadline has passed (never, without one).</summary>
    // Stryker disable once Equality : > moves the end one Stopwatch tick (1 ns) later; the end is a clock read at no chosen instant plus the timeout, so no caller can tell
    internal bool HasPassed => _end != long.MaxValue && Stopwatch.GetTimestamp() >= _end;

    /// <summary>Time left (<see cref="Timeout.InfiniteTimeSpan"/> without a deadline, <see cref="TimeSpan.Zero"/> once passed).</summary>
    internal TimeSpan RemainingTime() => _end switch
    {
        long.MaxValue => Timeout.InfiniteTimeSpan,
        0 => TimeSpan.Zero, // a zero timeout: no clock read
        _ => TimeLeft(),
    };

    private TimeSpan TimeLeft()
    {
        long left = _end - Stopwatch.GetTimestamp();
        // Stryker disable once Equality : at left == 0 the formula below gives TimeSpan.Zero too
        return left <= 0 ? TimeSpan.Zero : TimeSpan.FromTicks((long)Math.Ceiling(left * (double)TimeSpan.TicksPerSecond / Stopwatch.Frequency));
    }

    /// <summary>Milliseconds left, rounded up (<see cref="Timeout.Infinite"/> without a deadline).</summary>
    internal int RemainingMs()
    {
        if (_end == long.MaxValue) return Timeout.Infinite;
        long left = _end - Stopwatch.GetTimestamp();
        // Stryker disable once Equality : at left == 0 the formula below gives 0 too
        if (left <= 0) return 0;
        double ms = Math.Ceiling(left * 1000.0 / Stopwatch.Frequency);
        return (int)Math.Min(ms, int.MaxValue - 1);
    }
}

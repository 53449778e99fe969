using System.Buffers.Binary;
using System.Diagnostics;

namespace EventPoll;

/// <summary>A CLOCK_MONOTONIC timerfd (Linux: fs/timerfd.c).</summary>
/// <remarks>
/// As in the kernel, an expiry bumps the tick count and wakes once, and a periodic timer is not re-armed
/// until it is read: the read counts the intervals missed meanwhile (hrtimer_forward_now) and restarts
/// it. So a watcher hears one wakeup per read cycle, however many intervals went by.
/// </remarks>
internal sealed class TimerFdFile : OpenFile
{
    private readonly WaitQueue _queue = new();
    private readonly Timer _timer;
    private ulong _ticks;        // under _queue.SyncRoot: expirations not yet read
    private bool _expired;       // under _queue.SyncRoot: the armed expiry has fired (Linux: ctx->expired)
    private bool _pending;       // under _queue.SyncRoot: an expiry is scheduled and has not fired
    private bool _released;      // under _queue.SyncRoot
    private long _deadline;      // under _queue.SyncRoot: Stopwatch timestamp of the armed expiry
    private long _interval;      // under _queue.SyncRoot: period in Stopwatch ticks, 0 = one-shot
    private readonly Func<long> _now; // CLOCK_MONOTONIC in Stopwatch ticks

    /// <summary>A disarmed timer on <paramref name="clock"/> (Stopwatch timestamps; tests pass a clock they move by hand).</summary>
    internal TimerFdFile(Func<long>? clock = null)
    {
        _now = clock ?? Stopwatch.GetTimestamp;
        _timer = new Timer(static state => ((TimerFdFile)state!).OnTimer(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>The wait queue, for tests.</summary>
    internal WaitQueue Queue => _queue;

    /// <summary>Expirations not yet read (fdinfo's <c>ticks</c>).</summary>
    internal ulong Ticks
    {
        get { using (_queue.SyncRoot.EnterScope()) return _ticks; }
    }

    internal override ulong Inode => InodeNumbers.AnonInode;

    internal override uint DeviceId => InodeNumbers.AnonDevice;

    /// <summary>
    /// Arms the timer to expire after <paramref name="initial"/> and then every <paramref name="interval"/>
    /// (zero: once); a zero <paramref name="initial"/> disarms it. Pending ticks are discarded. Returns 0 or
    /// <c>-EINVAL</c> for a negative time (Linux: timerfd_settime / timerfd_setup).
    /// </summary>
    internal int SetTime(TimeSpan initial, TimeSpan interval)
    {
        if (initial < TimeSpan.Zero || interval < TimeSpan.Zero) return Failure.Of(Errno.EINVAL, "timer values cannot be negative");
        using (_queue.SyncRoot.EnterScope())
        {
            if (_released) return Syscalls.NotOpen();
            _ticks = 0;
            // Stryker disable once Boolean : _expired is read only while ticks are pending, and only OnTimer (which sets it) makes ticks
            _expired = false;
            _interval = ToStopwatchTicks(interval);
            _pending = initial > TimeSpan.Zero;
            if (_pending)
            {
                _deadline = _now() + Math.Max(1, ToStopwatchTicks(initial));
                Schedule();
            }
            else
            {
                // Stryker disable once Statement : a callback of the old arming finds _pending false and returns
                _timer.Change(Timeout.Infinite, Timeout.Infinite);
            }
        }
        return 0;
    }

    /// <inheritdoc />
    // Stryker disable once Boolean : false only makes ctl defer releases this poll never makes (a performance flag)
    internal override bool PollReleasesNothing => true;

    // Linux: timerfd_poll: IN only (no RDNORM) while ticks are pending.
    public override EpollEvents Poll(PollTable? table)
    {
        table?.Register(_queue);
        using (_queue.SyncRoot.EnterScope()) return _ticks > 0 ? EpollEvents.In : EpollEvents.None;
    }

    // Linux: timerfd_read_iter (non-blocking). Reading wakes nobody.
    internal override long Read(Span<byte> buffer)
    {
        if (buffer.Length < sizeof(ulong)) return EventFdFile.ShortBuffer("a timerfd read", buffer.Length);
        ulong ticks;
        using (_queue.SyncRoot.EnterScope())
        {
            if (_ticks == 0) return -(long)Errno.EAGAIN;
            ticks = _ticks;
            if (_expired && _interval > 0)
            {
                long overruns = (_now() - _deadline) / _interval + 1;
                _deadline += overruns * _interval;
                ticks += (ulong)overruns - 1;
                _pending = true;
                Schedule();
            }
            // Stryker disable once Boolean : _expired is read only while ticks are pending, and only OnTimer (which sets it) makes ticks
            _expired = false;
            _ticks = 0;
        }
        BinaryPrimitives.WriteUInt64LittleEndian(buffer, ticks);
        return sizeof(ulong);
    }

    protected override void OnRelease()
    {
        using (_queue.SyncRoot.EnterScope())
        {
            // Stryker disable once Boolean : released at the last reference: no call can reach SetTime after it, and OnTimer already stops on _pending
            _released = true;
            // Stryker disable once Boolean : OnTimer stops on _released, set just before
            _pending = false;
        }
        // Stryker disable once Statement : a later callback finds _released and returns; the Timer is collected once it has fired
        _timer.Dispose();
    }

    // Linux: timerfd_tmrproc -> timerfd_triggered: one tick, one EPOLLIN wakeup, no automatic re-arm. The OS timer's
    // callback; internal so that tests can fire it early and see the deadline, not the OS timer, decide.
    internal void OnTimer()
    {
        using (_queue.SyncRoot.EnterScope())
        {
            if (!_pending || _released) return; // disarmed or re-armed since this callback was queued
            if (_now() < _deadline)
            {
                Schedule(); // the OS timer fired early: wait out the rest
                return;
            }
            // Stryker disable once Boolean : _pending is read only by OnTimer, and the OS timer is one-shot: no callback comes until Schedule sets it again
            _pending = false;
            _expired = true;
            _ticks++;
            _queue.WakeLocked(EpollEvents.In);
        }
    }

    /// <summary>Points the OS timer at <see cref="_deadline"/>, rounding up so it never fires early by design.</summary>
    private void Schedule()
    {
        // Stryker disable once Linq : a zero due time makes OnTimer run early and re-schedule until the deadline (the deadline check decides, the OS timer is a hint)
        long remaining = Math.Max(0, _deadline - _now());
        long dueMs = (remaining * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency;
        _timer.Change(Math.Min(dueMs, int.MaxValue - 1), Timeout.Infinite);
    }

    internal static long ToStopwatchTicks(TimeSpan span) =>
        (long)Math.Ceiling(span.Ticks * (double)Stopwatch.Frequency / TimeSpan.TicksPerSecond);
}

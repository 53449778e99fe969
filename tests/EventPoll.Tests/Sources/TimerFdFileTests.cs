using EventPoll;
using EventPoll.Tests.Support;
using System.Diagnostics;
using Xunit;
using static EventPoll.Tests.Sources.FileIo;

namespace EventPoll.Tests.Sources;

public class TimerFdFileTests
{
    /// <summary>Periods that pass unread before each read of the periodic timer.</summary>
    private const int MissedPeriods = 10;

    [Fact]
    public void TimerFd_Disarmed_IsIdleAndReadIsEagain()
    {
        var t = new TimerFdFile();
        Assert.Equal(EpollEvents.None, t.Poll(null));
        Assert.Equal(-(long)Errno.EAGAIN, ReadU64(t).Result);
        Assert.Equal(-(long)Errno.EINVAL, t.Read(new byte[7]));
        Assert.Equal(InodeNumbers.AnonInode, t.Inode);
        t.Release();
    }

    /// <summary>
    /// The OS timer is only a hint (it may fire early, or late); the armed deadline decides. A callback that comes
    /// before the deadline ticks nothing and wakes nobody, so an armed timer is not ready before its time.
    /// </summary>
    [Fact]
    public void TimerFd_CallbackBeforeTheDeadline_NeitherTicksNorWakes()
    {
        var t = new TimerFdFile();
        var rec = new WakeRecorder();
        t.Poll(rec);
        Assert.Equal(0, t.SetTime(TimeSpan.FromHours(1), TimeSpan.Zero));
        t.OnTimer(); // the OS timer firing an hour early
        Assert.Equal(EpollEvents.None, t.Poll(null));
        Assert.Equal(-(long)Errno.EAGAIN, ReadU64(t).Result);
        Assert.Empty(rec.Take());

        Assert.Equal(0, t.SetTime(TimeSpan.FromMilliseconds(1), TimeSpan.Zero));
        Bounded.Wait(rec.Signal, "the re-armed timer's expiry"); // a re-arming replaces the hour-long deadline
        t.OnTimer(); // a stray callback after the one-shot expiry: nothing is pending, so no second tick
        Assert.Equal((8L, 1ul), ReadU64(t));
        Assert.Equal([EpollEvents.In], rec.Take());
        t.Release();
    }

    /// <summary>
    /// An initial value of 0 disarms, whatever the interval (timerfd_settime(2)): on a clock the test moves far past
    /// any deadline, a callback of the OS timer ticks nothing.
    /// </summary>
    [Fact]
    public void TimerFd_AnInitialValueOfZero_Disarms_EvenWithAnInterval()
    {
        long now = 1_000_000_000;
        var t = new TimerFdFile(() => Volatile.Read(ref now));
        Assert.Equal(0, t.SetTime(TimeSpan.FromHours(1), TimeSpan.Zero));
        Assert.Equal(0, t.SetTime(TimeSpan.Zero, TimeSpan.FromMilliseconds(5)));
        Volatile.Write(ref now, now + TimerFdFile.ToStopwatchTicks(TimeSpan.FromDays(1)));
        t.OnTimer();
        Assert.Equal(EpollEvents.None, t.Poll(null));
        Assert.Equal(-(long)Errno.EAGAIN, ReadU64(t).Result);
        t.Release();
    }

    [Fact]
    public void TimerFd_OneShot_ExpiresOnceWithInKey()
    {
        var t = new TimerFdFile();
        var rec = new WakeRecorder();
        t.Poll(rec);
        Assert.Equal(0, t.SetTime(TimeSpan.FromMilliseconds(10), TimeSpan.Zero));
        Bounded.Wait(rec.Signal, "the timer's expiry");
        Assert.Equal([EpollEvents.In], rec.Take());
        Assert.Equal(EpollEvents.In, t.Poll(null));
        Assert.Equal((8L, 1ul), ReadU64(t));
        Assert.Equal(EpollEvents.None, t.Poll(null));
        Assert.Empty(rec.Take()); // reading wakes nobody
        t.Release();
    }

    /// <summary>
    /// The count to the interval, on a clock the test moves (the OS timer may still call back; the clock decides): a
    /// timer armed at A with period P expires at A+P, A+2P, ...; a read at A+10.5P returns 10, the expiry that woke it
    /// and nine missed (hrtimer_forward_now), and re-arms for A+11P, not before.
    /// </summary>
    [Fact]
    public void TimerFd_Periodic_OnAHandMovedClock_CountsEveryMissedIntervalExactly()
    {
        long now = 1_000_000_000;
        TimeSpan period = TimeSpan.FromMilliseconds(5);
        long p = TimerFdFile.ToStopwatchTicks(period);
        var t = new TimerFdFile(() => Volatile.Read(ref now));
        long armed = now;
        Assert.Equal(0, t.SetTime(period, period));

        void At(long time)
        {
            Volatile.Write(ref now, time);
            t.OnTimer();
        }
        At(armed + p - 1);
        Assert.Equal(0ul, t.Ticks);
        At(armed + p);
        Assert.Equal(1ul, t.Ticks);
        Volatile.Write(ref now, armed + 10 * p + p / 2);
        Assert.Equal((8L, 10ul), ReadU64(t));
        At(armed + 11 * p - 1);
        Assert.Equal(0ul, t.Ticks);
        At(armed + 11 * p);
        Assert.Equal((8L, 1ul), ReadU64(t));
        t.Release();
    }

    /// <summary>
    /// A periodic timer wakes once per read cycle, and a read returns every interval that passed, missed ones included
    /// (hrtimer_forward_now), here on the real clock and the OS timer, so the count is pinned by timestamps: a timer armed
    /// at A with period P has expired floor((R - A) / P) times by a read at R, and A and R are bracketed by timestamps
    /// taken around the arming and around each read. At least <see cref="MissedPeriods"/> periods pass unread before
    /// each read, so a read that counted only the expiry that woke it (1) falls far below the lower bound.
    /// </summary>
    [Fact]
    public void TimerFd_Periodic_WakesOncePerReadAndCountsMissedIntervals()
    {
        TimeSpan period = TimeSpan.FromMilliseconds(5);
        long periodTicks = (long)Math.Ceiling(period.Ticks * (double)Stopwatch.Frequency / TimeSpan.TicksPerSecond);
        var t = new TimerFdFile();
        var rec = new WakeRecorder();
        t.Poll(rec);
        long armedFrom = Stopwatch.GetTimestamp();
        Assert.Equal(0, t.SetTime(period, period));
        long armedTo = Stopwatch.GetTimestamp();

        ulong total = 0;
        for (int cycle = 0; cycle < 2; cycle++)
        {
            Bounded.Wait(rec.Signal, $"cycle {cycle}: the timer's expiry");
            long unreadFrom = Stopwatch.GetTimestamp();
            while (Stopwatch.GetTimestamp() - unreadFrom < MissedPeriods * periodTicks) Thread.Sleep(period); // intervals pass unread
            Assert.Equal([EpollEvents.In], rec.Take()); // one wakeup however many intervals passed: not re-armed until read

            long readFrom = Stopwatch.GetTimestamp();
            var (result, ticks) = ReadU64(t);
            long readTo = Stopwatch.GetTimestamp();
            Assert.Equal(8, result);
            total += ticks;
            ulong least = (ulong)((readFrom - armedTo) / periodTicks), most = (ulong)((readTo - armedFrom) / periodTicks);
            Assert.True(total >= least && total <= most, $"cycle {cycle}: {total} expirations read in all, the clock says {least}..{most}");
        }
        t.Release();
    }

    [Fact]
    public void TimerFd_SetTimeZero_DisarmsAndDiscardsTicks()
    {
        var t = new TimerFdFile();
        var rec = new WakeRecorder();
        t.Poll(rec);
        t.SetTime(TimeSpan.FromMilliseconds(1), TimeSpan.Zero);
        Bounded.Wait(rec.Signal, "the timer's expiry");
        Assert.Equal(0, t.SetTime(TimeSpan.Zero, TimeSpan.Zero));
        Assert.Equal(0ul, t.Ticks);
        Assert.Equal(EpollEvents.None, t.Poll(null));
        Assert.Equal(-(int)Errno.EINVAL, t.SetTime(TimeSpan.FromSeconds(-1), TimeSpan.Zero));
        t.Release();
    }
}

using EventPoll;
using Xunit;
using static EventPoll.Tests.Sources.FileIo;

namespace EventPoll.Tests.Sources;

public class TimerFdFileTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

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

    [Fact]
    public void TimerFd_OneShot_ExpiresOnceWithInKey()
    {
        var t = new TimerFdFile();
        var rec = new WakeRecorder();
        t.Poll(rec);
        Assert.Equal(0, t.SetTime(TimeSpan.FromMilliseconds(10), TimeSpan.Zero));
        Assert.True(rec.Signal.Wait(Generous));
        Assert.Equal([EpollEvents.In], rec.Take());
        Assert.Equal(EpollEvents.In, t.Poll(null));
        Assert.Equal((8L, 1ul), ReadU64(t));
        Assert.Equal(EpollEvents.None, t.Poll(null));
        Assert.Empty(rec.Take()); // reading wakes nobody
        t.Release();
    }

    [Fact]
    public void TimerFd_Periodic_WakesOncePerReadAndCountsMissedIntervals()
    {
        var t = new TimerFdFile();
        var rec = new WakeRecorder();
        t.Poll(rec);
        t.SetTime(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1));
        Assert.True(rec.Signal.Wait(Generous));
        Assert.Equal([EpollEvents.In], rec.Take()); // no second wakeup until read: the timer is not re-armed
        var (result, ticks) = ReadU64(t);
        Assert.Equal(8, result);
        Assert.True(ticks >= 1);
        Assert.True(rec.Signal.Wait(Generous)); // re-armed by the read
        Assert.True(ReadU64(t).Value >= 1);
        t.Release();
    }

    [Fact]
    public void TimerFd_SetTimeZero_DisarmsAndDiscardsTicks()
    {
        var t = new TimerFdFile();
        var rec = new WakeRecorder();
        t.Poll(rec);
        t.SetTime(TimeSpan.FromMilliseconds(1), TimeSpan.Zero);
        Assert.True(rec.Signal.Wait(Generous));
        Assert.Equal(0, t.SetTime(TimeSpan.Zero, TimeSpan.Zero));
        Assert.Equal(0ul, t.Ticks);
        Assert.Equal(EpollEvents.None, t.Poll(null));
        Assert.Equal(-(int)Errno.EINVAL, t.SetTime(TimeSpan.FromSeconds(-1), TimeSpan.Zero));
        t.Release();
    }
}

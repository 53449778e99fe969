using EventPoll;
using Xunit;
using static EventPoll.Tests.Sources.FileIo;

namespace EventPoll.Tests.Sources;

public class EventFdFileTests
{
    private const ulong Max = ulong.MaxValue - 1;

    [Fact]
    public void EventFd_ZeroCount_IsWritableOnly()
    {
        var efd = new EventFdFile(0, semaphore: false);
        Assert.Equal(EpollEvents.Out, efd.Poll(null));
    }

    [Fact]
    public void EventFd_Write_AddsAndWakesWithIn()
    {
        var efd = new EventFdFile(0, false);
        var rec = new WakeRecorder();
        efd.Poll(rec);
        Assert.Equal(8, WriteU64(efd, 5));
        Assert.Equal(5ul, efd.Count);
        Assert.Equal(EpollEvents.In | EpollEvents.Out, efd.Poll(null));
        Assert.Equal([EpollEvents.In], rec.Take());
    }

    [Fact]
    public void EventFd_WriteOfZero_SucceedsAndStillWakes()
    {
        var efd = new EventFdFile(1, false);
        var rec = new WakeRecorder();
        efd.Poll(rec);
        Assert.Equal(8, WriteU64(efd, 0));
        Assert.Equal([EpollEvents.In], rec.Take());
    }

    [Fact]
    public void EventFd_Read_ReturnsCountResetsAndWakesWithOut()
    {
        var efd = new EventFdFile(7, false);
        var rec = new WakeRecorder();
        efd.Poll(rec);
        Assert.Equal((8L, 7ul), ReadU64(efd));
        Assert.Equal(0ul, efd.Count);
        Assert.Equal([EpollEvents.Out], rec.Take());
        Assert.Equal(-(long)Errno.EAGAIN, ReadU64(efd).Result);
        Assert.Empty(rec.Take());
    }

    [Fact]
    public void EventFd_SemaphoreRead_ReturnsOneAndDecrements()
    {
        var efd = new EventFdFile(3, semaphore: true);
        Assert.Equal((8L, 1ul), ReadU64(efd));
        Assert.Equal(2ul, efd.Count);
    }

    [Fact]
    public void EventFd_ShortBuffers_AreEinval()
    {
        var efd = new EventFdFile(3, false);
        Assert.Equal(-(long)Errno.EINVAL, efd.Read(new byte[4]));
        Assert.Equal(-(long)Errno.EINVAL, efd.Write(new byte[7]));
    }

    [Fact]
    public void EventFd_WriteOfAllOnes_IsEinval()
    {
        var efd = new EventFdFile(0, false);
        Assert.Equal(-(long)Errno.EINVAL, WriteU64(efd, ulong.MaxValue));
    }

    [Fact]
    public void EventFd_AtMaximum_IsNotWritableAndOverflowIsEagain()
    {
        var efd = new EventFdFile(0, false);
        var rec = new WakeRecorder();
        efd.Poll(rec);
        Assert.Equal(8, WriteU64(efd, Max));
        Assert.Equal(EpollEvents.In, efd.Poll(null));
        Assert.Equal(8, WriteU64(efd, 0)); // still fits: ULLONG_MAX - count > 0
        Assert.Equal(-(long)Errno.EAGAIN, WriteU64(efd, 1));
        Assert.Equal([EpollEvents.In, EpollEvents.In], rec.Take());
        Assert.Equal((8L, Max), ReadU64(efd));
    }

    [Fact]
    public void EventFd_Release_WakesRemainingEntriesWithHup()
    {
        var efd = new EventFdFile(0, false);
        var rec = new WakeRecorder();
        efd.Poll(rec);
        efd.Release();
        Assert.Equal([EpollEvents.Hup], rec.Take());
    }

    [Fact]
    public void EventFd_SharesTheAnonInode()
    {
        var a = new EventFdFile(0, false);
        var b = new EventFdFile(0, false);
        Assert.Equal(a.Inode, b.Inode);
        Assert.Equal(InodeNumbers.AnonInode, a.Inode);
        Assert.Equal(InodeNumbers.AnonDevice, a.DeviceId);
    }
}

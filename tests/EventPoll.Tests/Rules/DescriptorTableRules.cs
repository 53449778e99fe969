using Xunit;

namespace EventPoll.Tests.Rules;

/// <summary>
/// Files and descriptors: POSIX numbering, dup/dup2/close, and interest items keyed by (file, descriptor
/// number) with removal at the file's last close (eventpoll_release_file). Kernel behaviour probed on 6.18.
/// </summary>
public class DescriptorTableRules
{
    private readonly World _w = new();

    [Fact]
    public void Install_TakesLowestFreeNumber_IncludingHolesLeftByClose()
    {
        Assert.Equal(0, _w.EventFd());
        Assert.Equal(1, _w.EventFd());
        Assert.Equal(2, _w.EventFd());
        _w.Close(1);
        Assert.Equal(1, _w.EventFd());
        _w.Close(0);
        _w.Close(2);
        Assert.Equal(0, _w.Create());
        Assert.Equal(2, _w.EventFd());
    }

    [Fact]
    public void Dup_TakesLowestFreeNumber_AndSharesTheFile()
    {
        int a = _w.EventFd();
        _w.EventFd();
        _w.EventFd();
        _w.Close(1);
        int d = _w.Px.Dup(a);
        Assert.Equal(1, d);
        Assert.Same(_w.File(a), _w.File(d));
        Assert.Equal(2, _w.File(a).ReferenceCount);
    }

    [Fact]
    public void Dup2_InstallsAtExactNumber_AndLaterAllocationsStillTakeLowestFree()
    {
        int a = _w.EventFd();
        Assert.Equal(10, _w.Px.Dup2(a, 10));
        Assert.Same(_w.File(a), _w.File(10));
        Assert.Equal(1, _w.EventFd());
        Assert.Equal(a, _w.Px.Dup2(a, a)); // same number: a no-op that returns it
        Assert.Equal(2, _w.File(a).ReferenceCount);
    }

    [Fact]
    public void Dup2_ReplacesTheFileAtTarget_ClosingIt()
    {
        int a = _w.EventFd();
        int b = _w.EventFd();
        OpenFile old = _w.File(b);
        Assert.Equal(b, _w.Px.Dup2(a, b));
        Assert.True(old.IsReleased);
        Assert.Same(_w.File(a), _w.File(b));
    }

    [Fact]
    public void BadDescriptors_AreEbadf()
    {
        int a = _w.EventFd();
        Assert.Equal(-1, _w.Px.Close(5));
        Assert.Equal(Errno.EBADF, Posix.Errno);
        Assert.Equal(-1, _w.Px.Close(-1));
        Assert.Equal(Errno.EBADF, Posix.Errno);
        Assert.Equal(-1, _w.Px.Dup(5));
        Assert.Equal(Errno.EBADF, Posix.Errno);
        Assert.Equal(-1, _w.Px.Dup2(5, 6));
        Assert.Equal(Errno.EBADF, Posix.Errno);
        Assert.Equal(-1, _w.Px.Dup2(a, -1));
        Assert.Equal(Errno.EBADF, Posix.Errno);
        _w.Close(a);
        Assert.Equal(-1, _w.Px.Close(a)); // closing twice
        Assert.Equal(Errno.EBADF, Posix.Errno);
    }

    [Fact]
    public void Dup2_ReplacedFileWasLastReference_ItsItemsLeaveEveryInstance()
    {
        int ep = _w.Create();
        int aa = _w.EventFd(1);
        int bb = _w.EventFd();
        Assert.Equal(Errno.None, _w.Add(ep, aa, EpollEvents.In, 5));
        Assert.Equal(aa, _w.Px.Dup2(bb, aa));
        Assert.Empty(_w.Wait(ep)); // kernel: n=0 after dup2 replaced the registered file
        Assert.Equal(0, _w.Instance(ep).ItemCount);
        Assert.Equal(0, _w.Account.Watches);
        Assert.Equal(Errno.ENOENT, _w.Del(ep, aa)); // kernel: the number now names bb, which is not registered
    }

    [Fact]
    public void Dup2_ReplacedFileStillHasADescriptor_ItsItemStays()
    {
        int ep = _w.Create();
        int aa = _w.EventFd(1);
        int keep = _w.Px.Dup(aa);
        int bb = _w.EventFd();
        Assert.Equal(Errno.None, _w.Add(ep, aa, EpollEvents.In, 5));
        Assert.Equal(aa, _w.Px.Dup2(bb, aa));
        Assert.Equal([5UL], _w.WaitData(ep));
        _w.Close(keep);
        Assert.Empty(_w.Wait(ep));
        Assert.Equal(0, _w.Instance(ep).ItemCount);
    }

    [Fact]
    public void SameFileUnderTwoNumbers_IsTwoItems_EachReporting()
    {
        int ep = _w.Create();
        int a = _w.EventFd();
        int b = _w.Px.Dup(a);
        Assert.Equal(Errno.None, _w.Add(ep, a, EpollEvents.In, 1));
        Assert.Equal(Errno.None, _w.Add(ep, b, EpollEvents.In, 2));
        Assert.Equal(2, _w.Instance(ep).ItemCount);
        Assert.Equal(2, _w.Account.Watches);
        _w.Write(a);
        Assert.Equal([2UL, 1UL], _w.WaitData(ep)); // kernel order: later registration first (see WaitQueueOrderRules)
        Assert.Equal(2, _w.FdInfo(ep).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void ClosingOneNumber_KeepsItsItemReporting_UntilTheLastDescriptorCloses_ThenEveryItemLeavesEveryInstance()
    {
        int ep1 = _w.Create();
        int ep2 = _w.Create();
        int a = _w.EventFd(1);
        int b = _w.Px.Dup(a);
        int c = _w.Px.Dup(a);
        OpenFile file = _w.File(a);
        Assert.Equal(Errno.None, _w.Add(ep1, a, EpollEvents.In, 1));
        Assert.Equal(Errno.None, _w.Add(ep1, b, EpollEvents.In, 2));
        Assert.Equal(Errno.None, _w.Add(ep2, a, EpollEvents.In, 3));

        _w.Close(a);
        _w.Close(b);
        // Both closed numbers still have items, and they still report (the file lives on through c).
        Assert.Equal([1UL, 2UL], _w.WaitData(ep1).Order());
        Assert.Equal([3UL], _w.WaitData(ep2));
        Assert.Equal(3, Internals.WatcherCount(file));
        Assert.Contains($"tfd: {a,8} ", _w.FdInfo(ep1), StringComparison.Ordinal);

        _w.Close(c);
        Assert.Empty(_w.Wait(ep1));
        Assert.Empty(_w.Wait(ep2));
        Assert.Equal(0, _w.Instance(ep1).ItemCount);
        Assert.Equal(0, _w.Instance(ep2).ItemCount);
        Assert.Equal(0, Internals.WatcherCount(file));
        Assert.Equal(0, _w.Account.Watches);
        Assert.Equal("", _w.FdInfo(ep1));
    }

    [Fact]
    public void DelThroughAClosedNumber_IsEbadf_EvenWhileTheItemLives()
    {
        int ep = _w.Create();
        int a = _w.EventFd(1);
        int keep = _w.Px.Dup(a);
        Assert.Equal(Errno.None, _w.Add(ep, a, EpollEvents.In, 1));
        _w.Close(a);
        Assert.Equal(Errno.EBADF, _w.Del(ep, a));
        Assert.Equal(Errno.EBADF, _w.Mod(ep, a, EpollEvents.In));
        Assert.Equal([1UL], _w.WaitData(ep)); // still registered and reporting
        _w.Close(keep);
    }

    [Fact]
    public void DelAfterTheNumberWasReusedByAnotherFile_IsEnoent()
    {
        int ep = _w.Create();
        int g = _w.EventFd();
        Assert.Equal(Errno.None, _w.Add(ep, g, EpollEvents.In));
        _w.Close(g);
        Assert.Equal(Errno.EBADF, _w.Del(ep, g));
        int h = _w.EventFd();
        Assert.Equal(g, h);
        Assert.Equal(Errno.ENOENT, _w.Del(ep, h));
    }

    [Fact]
    public void Libevent_CloseRegisteredFdWhileDupKeepsFile_Dup2BackToSameNumber_AddIsEexist()
    {
        int ep = _w.Create();
        int k = _w.EventFd(1);
        Assert.Equal(Errno.None, _w.Add(ep, k, EpollEvents.In, 77));
        int kd = _w.Px.Dup(k);
        _w.Close(k);
        Assert.Equal([77UL], _w.WaitData(ep));
        Assert.Equal(k, _w.Px.Dup2(kd, k));
        Assert.Equal(Errno.EEXIST, _w.Add(ep, k, EpollEvents.In, 78)); // the old item (file, k) still exists
        _w.Close(k);
        _w.Close(kd);
        Assert.Empty(_w.Wait(ep));
        Assert.Equal(0, _w.Instance(ep).ItemCount);
    }
}

using Xunit;

namespace EventPoll.Tests.Rules;

/// <summary>
/// max_user_watches (ENOSPC on ADD only, released on removal and instance close, charged to the instance's
/// account) and the fdinfo line format <c>tfd: %8d events: %8x data: %16llx  pos:%lli ino:%lx sdev:%x</c>.
/// The eventfd lines below are byte-for-byte what Linux 6.18 printed for the same registrations (anon inode
/// 0x40e on sdev 0x10).
/// </summary>
public class LimitsAndFdInfoRules
{
    private const EpollEvents In = EpollEvents.In;

    [Fact]
    public void WatchLimit_NAddsSucceed_NPlusOneIsEnospc_DelFreesASlot()
    {
        const int N = 5;
        var w = new World(maxWatches: N);
        int ep = w.Create();
        int[] fds = [.. Enumerable.Range(0, N + 1).Select(_ => w.EventFd())];
        for (int i = 0; i < N; i++) Assert.Equal(Errno.None, w.Add(ep, fds[i], In));
        Assert.Equal(N, w.Account.Watches);
        Assert.Equal(Errno.ENOSPC, w.Add(ep, fds[N], In));
        Assert.Equal(N, w.Account.Watches);
        Assert.Equal(Errno.None, w.Del(ep, fds[0]));
        Assert.Equal(N - 1, w.Account.Watches);
        Assert.Equal(Errno.None, w.Add(ep, fds[N], In));
        Assert.Equal(Errno.ENOSPC, w.Add(ep, fds[0], In));
    }

    [Fact]
    public void WatchLimit_OnlyAddIsRefused_ModAndDelStillWork()
    {
        var w = new World(maxWatches: 1);
        int ep = w.Create();
        int a = w.EventFd(1);
        Assert.Equal(Errno.None, w.Add(ep, a, In, 1));
        Assert.Equal(Errno.None, w.Mod(ep, a, EpollEvents.Out, 2));
        Assert.Equal([2UL], w.WaitData(ep));
        Assert.Equal(Errno.None, w.Del(ep, a));
    }

    [Fact]
    public void WatchLimit_ClosingTheInstance_ReleasesAllItsWatches()
    {
        const int N = 8;
        var w = new World(maxWatches: N);
        int ep = w.Create();
        for (int i = 0; i < N; i++) Assert.Equal(Errno.None, w.Add(ep, w.EventFd(), In));
        Assert.Equal(N, w.Account.Watches);
        w.Close(ep);
        Assert.Equal(0, w.Account.Watches);
        int ep2 = w.Create();
        for (int i = 0; i < N; i++) Assert.Equal(Errno.None, w.Add(ep2, w.EventFd(), In));
    }

    [Fact]
    public void WatchLimit_ReleasedWhenTheWatchedFileCloses()
    {
        var w = new World(maxWatches: 1);
        int ep = w.Create();
        int a = w.EventFd();
        Assert.Equal(Errno.None, w.Add(ep, a, In));
        w.Close(a);
        Assert.Equal(0, w.Account.Watches);
        Assert.Equal(Errno.None, w.Add(ep, w.EventFd(), In));
    }

    [Fact]
    public void WatchLimit_IsChargedToTheInstancesAccount_NotTheCaller()
    {
        var owner = new World(maxWatches: 1);
        int ep = owner.Create();
        var caller = new Posix(owner.Table, new WatchAccount(100));
        int a = owner.EventFd(), b = owner.EventFd();
        Assert.Equal(0, caller.EpollCtl(ep, Posix.EPOLL_CTL_ADD, a, new EpollEvent(In, 0)));
        Assert.Equal(1, owner.Account.Watches);
        Assert.Equal(-1, caller.EpollCtl(ep, Posix.EPOLL_CTL_ADD, b, new EpollEvent(In, 0)));
        Assert.Equal(Errno.ENOSPC, Posix.Errno);
    }

    [Fact]
    public void WatchLimit_LoweredBelowCurrentCount_OnlyStopsNewAdds()
    {
        var w = new World(maxWatches: 3);
        int ep = w.Create();
        int a = w.EventFd(1), b = w.EventFd(1);
        Assert.Equal(Errno.None, w.Add(ep, a, In, 1));
        Assert.Equal(Errno.None, w.Add(ep, b, In, 2));
        w.Account.MaxWatches = 1;
        Assert.Equal(2, w.Account.Watches);
        Assert.Equal(Errno.ENOSPC, w.Add(ep, w.EventFd(), In));
        Assert.Equal([1UL, 2UL], w.WaitData(ep));
        Assert.Equal(Errno.None, w.Del(ep, a));
        Assert.Equal(Errno.ENOSPC, w.Add(ep, a, In)); // 1 >= 1
        Assert.Equal(Errno.None, w.Del(ep, b));
        Assert.Equal(Errno.None, w.Add(ep, a, In));
    }

    [Fact]
    public void DefaultLimit_FollowsTheDocumentedFormula_AndIsPositive()
    {
        long expected = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 25 / WatchAccount.BytesPerWatch;
        Assert.Equal(160, WatchAccount.BytesPerWatch);
        Assert.Equal(expected, WatchAccount.DefaultMaxWatches());
        Assert.True(WatchAccount.DefaultMaxWatches() > 0);
        Assert.Equal(expected, new WatchAccount().MaxWatches);
        Assert.True(WatchAccount.Default.MaxWatches > 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => new WatchAccount(-1));
    }

    [Fact]
    public void FdInfo_ExactLines_ForEventFds_LargeDataAndTwoSpacesBeforePos()
    {
        var w = new World();
        int ep = w.Create();   // 0
        int a = w.EventFd();   // 1
        int b = w.EventFd();   // 2
        int c = w.EventFd();   // 3
        Assert.Equal(Errno.None, w.Add(ep, a, In | EpollEvents.Out | EpollEvents.Exclusive | EpollEvents.EdgeTriggered | EpollEvents.Wakeup));
        Assert.Equal(Errno.None, w.Add(ep, b, EpollEvents.None, 0x1234));
        Assert.Equal(Errno.None, w.Add(ep, c, In | EpollEvents.Wakeup, ulong.MaxValue));
        Assert.Equal(
            "tfd:        1 events: 9000001d data:                0  pos:0 ino:40e sdev:10\n" +
            "tfd:        2 events:       18 data:             1234  pos:0 ino:40e sdev:10\n" +
            "tfd:        3 events:       19 data: ffffffffffffffff  pos:0 ino:40e sdev:10\n",
            w.FdInfo(ep));
    }

    [Fact]
    public void FdInfo_FieldsAreSpacePaddedRightAligned_NeverZeroPadded()
    {
        var w = new World();
        int ep = w.Create();
        int e = w.EventFd();
        Assert.Equal(1_000_000, w.Px.Dup2(e, 1_000_000));
        Assert.Equal(Errno.None, w.Add(ep, 1_000_000, EpollEvents.RdHup | EpollEvents.OneShot, 0x0000_00ab_0000_0001));
        Assert.Equal("tfd:  1000000 events: 40002018 data:       ab00000001  pos:0 ino:40e sdev:10\n", w.FdInfo(ep));
    }

    [Fact]
    public void FdInfo_PipeAndSocketAndEpollTargets_ShowTheirInodeAndDevice()
    {
        var w = new World();
        int ep = w.Create();
        var (read, _) = w.Pipe();
        int inner = w.Create();
        Assert.Equal(Errno.None, w.Add(ep, read, In, 1));
        Assert.Equal(Errno.None, w.Add(ep, inner, In, 2));
        ulong pipeIno = w.File(read).Inode;
        Assert.Equal(
            $"tfd: {read,8} events:       19 data:                1  pos:0 ino:{pipeIno:x} sdev:f\n" +
            $"tfd: {inner,8} events:       19 data:                2  pos:0 ino:40e sdev:10\n",
            w.FdInfo(ep));
    }

    [Fact]
    public void FdInfo_SameFileUnderSeveralNumbers_ListedInAscendingFdOrder_TfdIsTheRegisteredNumber()
    {
        var w = new World();
        int ep = w.Create();
        int e = w.EventFd();
        int d1 = w.Px.Dup(e);
        int d2 = w.Px.Dup(e);
        Assert.Equal(Errno.None, w.Add(ep, d2, In, 3));
        Assert.Equal(Errno.None, w.Add(ep, e, In, 1));
        Assert.Equal(Errno.None, w.Add(ep, d1, In, 2));
        w.Close(e); // stale but still registered: tfd shows the number given at registration
        string[] lines = w.FdInfo(ep).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([$"tfd: {e,8} ", $"tfd: {d1,8} ", $"tfd: {d2,8} "], lines.Select(l => l[..14]));
    }

    [Fact]
    public void FdInfo_OfANonEpoll_IsEinval_OfAClosedFd_Ebadf()
    {
        var w = new World();
        Assert.Null(w.Px.FdInfo(w.EventFd()));
        Assert.Equal(Errno.EINVAL, Posix.Errno);
        Assert.Null(w.Px.FdInfo(77));
        Assert.Equal(Errno.EBADF, Posix.Errno);
    }
}

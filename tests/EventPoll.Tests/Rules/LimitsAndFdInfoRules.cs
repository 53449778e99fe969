using EventPoll.Interop;
using EventPoll.Tests.Traces;
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
    public void DefaultLimit_IsThisMachinesMaxUserWatches_WhenProcHasIt()
    {
        long? proc = WatchAccount.ReadMaxUserWatches(WatchAccount.MaxUserWatchesPath);
        long expected = proc ?? WatchAccount.FormulaMaxWatches();
        Assert.True(expected > 0);
        Assert.Equal(expected, WatchAccount.DefaultMaxWatches());
        Assert.Equal(expected, new WatchAccount().MaxWatches);
        Assert.Equal(expected, WatchAccount.Default.MaxWatches);
        Assert.Throws<ArgumentOutOfRangeException>(() => new WatchAccount(-1));
    }

    [Fact]
    public void DefaultLimit_Formula_IsTheKernels_184BytesPerWatch_DividingPagesBy25First()
    {
        // A 24 GiB x86-64 VM on 6.18: 6,167,234 pages of RAM when eventpoll_init ran; /proc showed 5,491,511.
        Assert.Equal(184, WatchAccount.BytesPerWatch);
        Assert.Equal(5_491_511, WatchAccount.MaxWatchesFor(6_167_234, 0, 4096));
        // The page count is divided by 25 before it is scaled to bytes: 24 pages give nothing, 25 give one page.
        Assert.Equal(0, WatchAccount.MaxWatchesFor(24, 0, 4096));
        Assert.Equal(4096 / 184, WatchAccount.MaxWatchesFor(25, 0, 4096));
        Assert.Equal(WatchAccount.MaxWatchesFor(1000, 0, 4096), WatchAccount.MaxWatchesFor(1100, 100, 4096));
    }

    [LinuxFact]
    public void DefaultLimit_Formula_OverTodaysRam_ReproducesProc_GivenWhatTheKernelFreedAfterBoot()
    {
        // The kernel evaluated the formula at boot, before freeing the initrd and its init sections, so today's
        // total can only be larger. 256 MiB bounds what those releases come to (15 MiB on the VM above).
        if (WatchAccount.ReadMaxUserWatches(WatchAccount.MaxUserWatchesPath) is not long proc) return;
        long pageSize = Environment.SystemPageSize;
        long freedPages = (256L << 20) / pageSize;
        Assert.Equal(0, LinuxSyscalls.SysInfoMemory(out ulong totalRam, out ulong totalHigh));
        long ramPages = (long)(totalRam / (ulong)pageSize), highPages = (long)(totalHigh / (ulong)pageSize);
        Assert.Equal(WatchAccount.MaxWatchesFor(ramPages, highPages, pageSize), WatchAccount.FormulaMaxWatches());
        Assert.InRange(proc, WatchAccount.MaxWatchesFor(ramPages - freedPages, highPages, pageSize), WatchAccount.FormulaMaxWatches());
    }

    [Theory]
    [InlineData("5491511\n", 5_491_511L)]
    [InlineData("0", 0L)]
    [InlineData("9223372036854775807\n", long.MaxValue)]
    [InlineData("", null)]
    [InlineData("\n", null)]
    [InlineData(" 5491511\n", null)]
    [InlineData("5491511\n\n", null)]
    [InlineData("-1\n", null)]
    [InlineData("+5\n", null)]
    [InlineData("12abc\n", null)]
    [InlineData("9223372036854775808\n", null)]
    public void DefaultLimit_ProcFile_IsParsedStrictly(string text, long? expected)
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, text);
            Assert.Equal(expected, WatchAccount.ReadMaxUserWatches(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void DefaultLimit_MissingProcFile_FallsBack()
        => Assert.Null(WatchAccount.ReadMaxUserWatches(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))));

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

using Xunit;

namespace EventPoll.Tests.Rules;

/// <summary>
/// The stored interest: ERR|HUP always OR-ed in (ADD and MOD), EPOLLWAKEUP silently stripped, and ADD/MOD
/// re-poll the target and queue a ready item at once (waking a blocked waiter).
/// </summary>
public class InterestMaskRules
{
    private readonly World _w = new();

    [Fact]
    public void ErrHup_AlwaysAddedToInterest_ShownInFdInfo()
    {
        int ep = _w.Create();
        int a = _w.EventFd();
        Assert.Equal(Errno.None, _w.Add(ep, a, EpollEvents.In));
        Assert.Contains("events:       19 ", _w.FdInfo(ep), StringComparison.Ordinal);
        Assert.Equal(Errno.None, _w.Mod(ep, a, EpollEvents.Out));
        Assert.Contains("events:       1c ", _w.FdInfo(ep), StringComparison.Ordinal);
    }

    [Fact]
    public void EventsZero_StoresErrHup_ShownInFdInfo()
    {
        int ep = _w.Create();
        int a = _w.EventFd();
        Assert.Equal(Errno.None, _w.Add(ep, a, EpollEvents.None, 0x1234));
        Assert.Contains("events:       18 data:             1234", _w.FdInfo(ep), StringComparison.Ordinal);
    }

    [Fact]
    public void EventsZero_StillReportsHup_PipeReaderAfterWriterClosed()
    {
        int ep = _w.Create();
        var (read, write) = _w.Pipe();
        Assert.Equal(Errno.None, _w.Add(ep, read, EpollEvents.None, 1));
        Assert.Empty(_w.Wait(ep));
        _w.Close(write);
        Assert.Equal([new EpollEvent(EpollEvents.Hup, 1)], _w.Wait(ep));
    }

    [Fact]
    public void EventsZero_StillReportsErr_PipeWriterAfterReaderClosed()
    {
        int ep = _w.Create();
        var (read, write) = _w.Pipe();
        Assert.Equal(Errno.None, _w.Add(ep, write, EpollEvents.None, 2));
        Assert.Empty(_w.Wait(ep));
        _w.Close(read);
        Assert.Equal([new EpollEvent(EpollEvents.Err, 2)], _w.Wait(ep));
    }

    [Fact]
    public void ModToZero_KeepsReportingHupErr()
    {
        int ep = _w.Create();
        var (file, fd) = _w.Fake();
        Assert.Equal(Errno.None, _w.Add(ep, fd, EpollEvents.In, 3));
        Assert.Equal(Errno.None, _w.Mod(ep, fd, EpollEvents.None, 3));
        file.Set(EpollEvents.In | EpollEvents.Hup | EpollEvents.Err);
        Assert.Equal([new EpollEvent(EpollEvents.Hup | EpollEvents.Err, 3)], _w.Wait(ep));
    }

    [Fact]
    public void Wakeup_IsSilentlyStripped_OnAddAndMod_FdInfoShowsItGone()
    {
        int ep = _w.Create();
        int a = _w.EventFd();
        Assert.Equal(Errno.None, _w.Add(ep, a, EpollEvents.In | EpollEvents.Wakeup, ulong.MaxValue));
        Assert.Equal($"tfd: {a,8} events:       19 data: ffffffffffffffff  pos:0 ino:40e sdev:10\n", _w.FdInfo(ep));
        Assert.Equal(Errno.None, _w.Mod(ep, a, EpollEvents.Out | EpollEvents.Wakeup | EpollEvents.EdgeTriggered, 1));
        Assert.Equal($"tfd: {a,8} events: 8000001c data:                1  pos:0 ino:40e sdev:10\n", _w.FdInfo(ep));
    }

    [Fact]
    public void Add_OfAReadyFile_QueuesAtOnce()
    {
        int ep = _w.Create();
        int a = _w.EventFd(1);
        Assert.Equal(Errno.None, _w.Add(ep, a, EpollEvents.In | EpollEvents.EdgeTriggered, 4));
        Assert.Equal([new EpollEvent(EpollEvents.In, 4)], _w.Wait(ep));
    }

    [Fact]
    public void Mod_RepollsAndQueuesAReadyItem()
    {
        int ep = _w.Create();
        var (file, fd) = _w.Fake(EpollEvents.Out);
        Assert.Equal(Errno.None, _w.Add(ep, fd, EpollEvents.In, 5));
        Assert.Empty(_w.Wait(ep));
        Assert.Equal(Errno.None, _w.Mod(ep, fd, EpollEvents.Out, 6)); // no wakeup of the file: only the re-poll can find it
        Assert.Equal([new EpollEvent(EpollEvents.Out, 6)], _w.Wait(ep));
        GC.KeepAlive(file);
    }

    [Fact]
    public async Task Add_OfAReadyFile_WakesABlockedWaiter_UnblockWithNewFD()
    {
        var w = new World();
        var epoll = new Epoll(w.Table, w.Account);
        using var ready = new EventFd(1, table: w.Table);
        Task<int> blocked = Task.Factory.StartNew(() => epoll.Wait(new EpollEvent[4], -1), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Internals.AwaitWaiters(w.Instance(epoll.Fd), 1);
        Assert.False(blocked.IsCompleted);
        epoll.Add(ready, EpollEvents.In, 7);
        Assert.Equal(1, await blocked.Bounded());
        epoll.Dispose();
    }

    [Fact]
    public async Task Mod_ThatFindsTheFileReady_WakesABlockedWaiter()
    {
        var w = new World();
        var epoll = new Epoll(w.Table, w.Account);
        using var ready = new EventFd(1, table: w.Table);
        epoll.Add(ready, EpollEvents.Out | EpollEvents.OneShot, 7);
        var buf = new EpollEvent[4];
        Assert.Equal(1, epoll.Wait(buf, 0)); // the ONESHOT fires and disables the item
        Task<int> blocked = Task.Factory.StartNew(() => epoll.Wait(buf, -1), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Internals.AwaitWaiters(w.Instance(epoll.Fd), 1);
        Assert.False(blocked.IsCompleted);
        epoll.Modify(ready, EpollEvents.In, 8);
        Assert.Equal(1, await blocked.Bounded());
        Assert.Equal(new EpollEvent(EpollEvents.In, 8), buf[0]);
        epoll.Dispose();
    }
}

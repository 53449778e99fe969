using Xunit;

namespace EventPoll.Tests.Rules;

/// <summary>
/// Edge-triggered items fire on every wakeup of the file (not only on 0->1); ONESHOT disables everything,
/// HUP and ERR included, until MOD. Probed on Linux 6.18: every eventfd write and every pipe write re-reports
/// an ET reader that is already readable; a fired ONESHOT shows 40000000 (c0000000 with ET) in fdinfo.
/// </summary>
public class TriggerModeRules
{
    private const EpollEvents In = EpollEvents.In;
    private const EpollEvents Et = EpollEvents.EdgeTriggered;
    private const EpollEvents OneShot = EpollEvents.OneShot;

    private readonly World _w = new();

    [Fact]
    public void EdgeTriggered_FiresOnEveryEventFdWrite_NotOnlyOnZeroToOne()
    {
        int ep = _w.Create();
        int e = _w.EventFd();
        Assert.Equal(Errno.None, _w.Add(ep, e, In | Et, 1));
        Assert.Empty(_w.Wait(ep));
        for (int i = 0; i < 3; i++)
        {
            _w.Write(e); // the counter stays non-zero: no state change after the first write
            Assert.Equal([new EpollEvent(In, 1)], _w.Wait(ep));
            Assert.Empty(_w.Wait(ep));
        }
    }

    [Fact]
    public void EdgeTriggered_FiresOnEveryPipeWrite_NotOnlyOnEmptyToNonEmpty()
    {
        int ep = _w.Create();
        var (read, write) = _w.Pipe();
        Assert.Equal(Errno.None, _w.Add(ep, read, In | Et, 9));
        for (int i = 0; i < 3; i++)
        {
            _w.WriteBytes(write, 1);
            Assert.Equal([new EpollEvent(In, 9)], _w.Wait(ep));
            Assert.Empty(_w.Wait(ep));
        }
    }

    [Fact]
    public void EdgeTriggered_ReportsOncePerWakeup_LevelTriggeredKeepsReporting()
    {
        int ep = _w.Create();
        int e = _w.EventFd(1);
        int e2 = _w.Px.Dup(e);
        Assert.Equal(Errno.None, _w.Add(ep, e, In | Et, 1));
        Assert.Equal(Errno.None, _w.Add(ep, e2, In, 2));
        Assert.Equal([1UL, 2UL], _w.WaitData(ep));
        Assert.Equal([2UL], _w.WaitData(ep));
        Assert.Equal([2UL], _w.WaitData(ep));
    }

    [Fact]
    public void OneShot_ReportsOnce_ThenNothingEvenHupUntilMod_ThenHupReported()
    {
        int ep = _w.Create();
        var (read, write) = _w.Pipe();
        Assert.Equal(Errno.None, _w.Add(ep, read, In | OneShot, 7));
        _w.WriteBytes(write, 1);
        Assert.Equal([new EpollEvent(In, 7)], _w.Wait(ep));
        _w.WriteBytes(write, 1);
        Assert.Empty(_w.Wait(ep));
        _w.Close(write); // HUP: not reported while disabled
        Assert.Empty(_w.Wait(ep));
        Assert.Equal(Errno.None, _w.Mod(ep, read, In | OneShot, 8));
        Assert.Equal([new EpollEvent(In | EpollEvents.Hup, 8)], _w.Wait(ep));
        Assert.Empty(_w.Wait(ep));
    }

    [Fact]
    public void OneShot_DisablesErrToo()
    {
        int ep = _w.Create();
        var (read, write) = _w.Pipe();
        Assert.Equal(Errno.None, _w.Add(ep, write, EpollEvents.Out | OneShot, 3));
        Assert.Equal([new EpollEvent(EpollEvents.Out, 3)], _w.Wait(ep));
        _w.Close(read);
        Assert.Empty(_w.Wait(ep));
        Assert.Equal(Errno.None, _w.Mod(ep, write, EpollEvents.None, 4));
        Assert.Equal([new EpollEvent(EpollEvents.Err, 4)], _w.Wait(ep));
    }

    [Fact]
    public void OneShot_FiredItem_ShowsOnlyPrivateBitsInFdInfo_StaysRegistered()
    {
        int ep = _w.Create();
        var (read, write) = _w.Pipe();
        _w.WriteBytes(write, 1);
        Assert.Equal(Errno.None, _w.Add(ep, read, In | OneShot, 7));
        Assert.Contains("events: 40000019 ", _w.FdInfo(ep), StringComparison.Ordinal);
        Assert.Single(_w.Wait(ep));
        Assert.Contains($"tfd: {read,8} events: 40000000 data:                7  pos:0 ino:", _w.FdInfo(ep), StringComparison.Ordinal);
        Assert.Equal(Errno.EEXIST, _w.Add(ep, read, In));
        Assert.Equal(Errno.None, _w.Del(ep, read));
    }

    [Fact]
    public void OneShotEdgeTriggered_FirstEventOnly_ThenNothingOnNewEdges_FdInfoC0000000()
    {
        int ep = _w.Create();
        int e = _w.EventFd(1);
        Assert.Equal(Errno.None, _w.Add(ep, e, In | OneShot | Et, 5));
        Assert.Equal([new EpollEvent(In, 5)], _w.Wait(ep));
        _w.Write(e);
        _w.Write(e);
        Assert.Empty(_w.Wait(ep));
        Assert.Equal($"tfd: {e,8} events: c0000000 data:                5  pos:0 ino:40e sdev:10\n", _w.FdInfo(ep));
        Assert.Equal(Errno.None, _w.Mod(ep, e, In | OneShot | Et, 6));
        Assert.Equal([new EpollEvent(In, 6)], _w.Wait(ep));
    }

    [Fact]
    public void OneShot_DisabledItemIgnoresWakeups_NothingQueued()
    {
        int ep = _w.Create();
        var (file, fd) = _w.Fake(In);
        Assert.Equal(Errno.None, _w.Add(ep, fd, In | OneShot, 1));
        Assert.Single(_w.Wait(ep));
        file.Set(In | EpollEvents.Hup);
        Assert.False(_w.Instance(ep).EventsAvailable);
    }
}

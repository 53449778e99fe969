using EventPoll.Interop;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Os;

/// <summary>
/// A watched instance's in-process readiness as its watcher's kernel epoll sees it, through the watched instance's
/// signal eventfd: raised when the kernel polls the instance (ADD, MOD), one edge per wakeup, never left pending to
/// take a slot of a batch. Each case is a shrunk fresh-seed fuzz divergence; the expected values are the kernel's for
/// the same shape with kernel epolls.
/// </summary>
public sealed class OsNestingSignalTests : IDisposable
{
    private const int Add = Posix.EPOLL_CTL_ADD, Del = Posix.EPOLL_CTL_DEL, Mod = Posix.EPOLL_CTL_MOD;

    private readonly Posix _px = new(new DescriptorTable());
    private readonly int _osReadable = LinuxSyscalls.EventFd(1, Posix.O_NONBLOCK | Posix.O_CLOEXEC);
    private readonly int _osIdle = LinuxSyscalls.EventFd(0, Posix.O_NONBLOCK | Posix.O_CLOEXEC);

    /// <summary>Fuzz seed 7105: a MOD polls the watched instance, whose ready in-process item the kernel must see.</summary>
    [LinuxFact]
    public void AWatchersMod_SeesTheWatchedInstancesInProcessReadiness()
    {
        int outer = _px.EpollCreate1(0), inner = _px.EpollCreate1(0);
        int writable = _px.EventFd(0, Posix.O_NONBLOCK);
        Assert.Equal(0, _px.EpollCtl(inner, Add, writable, new EpollEvent(EpollEvents.Out, 1)));   // ready, in-process
        Assert.Equal(0, _px.EpollCtl(outer, Add, inner, new EpollEvent(EpollEvents.Out | EpollEvents.EdgeTriggered, 2)));
        Assert.Equal(0, _px.EpollCtlOs(inner, Add, _osIdle, new EpollEvent(EpollEvents.In, 3))); // moves outer's registration into its kernel
        var events = new EpollEvent[4];
        Assert.Equal(0, _px.EpollWait(outer, events, 4, 0)); // an epoll is never ready for OUT

        Assert.Equal(0, _px.EpollCtl(outer, Mod, inner, new EpollEvent(EpollEvents.In | EpollEvents.Out, 4)));
        Assert.Equal(1, _px.EpollWait(outer, events, 4, 0));
        Assert.Equal(new EpollEvent(EpollEvents.In, 4), events[0]);
    }

    /// <summary>Fuzz seed 7109: a signal left by an in-process item since removed must not fill the only slot.</summary>
    [LinuxFact]
    public void AStaleSignal_TakesNoSlotOfTheBatch()
    {
        int outer = _px.EpollCreate1(0), inner = _px.EpollCreate1(0);
        int ready = _px.EventFd(1, Posix.O_NONBLOCK);
        Assert.Equal(-1, _px.EpollCtlOs(inner, Del, _osIdle, null)); // ENOENT, but inner has a kernel side now
        Assert.Equal(Errno.ENOENT, Posix.Errno);
        Assert.Equal(0, _px.EpollCtl(inner, Add, ready, new EpollEvent(EpollEvents.In, 1)));
        Assert.Equal(0, _px.EpollCtl(outer, Add, inner, new EpollEvent(EpollEvents.Out, 2))); // raises inner's signal
        Assert.Equal(0, _px.EpollCtlOs(inner, Add, _osReadable, new EpollEvent(EpollEvents.In, 3)));
        Assert.Equal(0, _px.EpollCtl(inner, Del, ready, null));

        var events = new EpollEvent[1];
        Assert.Equal(1, _px.EpollWait(inner, events, 1, 0));
        Assert.Equal(new EpollEvent(EpollEvents.In, 3), events[0]);
    }

    /// <summary>
    /// Fuzz seed 7310: a stale signal two levels down (an in-process item of the bottom instance, deleted) must not make
    /// the top instance report the middle one, nor poll readable.
    /// </summary>
    [LinuxFact]
    public void AStaleSignalTwoLevelsDown_IsNoReadiness()
    {
        int top = _px.EpollCreate1(0), middle = _px.EpollCreate1(0), bottom = _px.EpollCreate1(0);
        int writable = _px.EventFd(0, Posix.O_NONBLOCK);
        Assert.Equal(0, _px.EpollCtl(middle, Add, bottom, new EpollEvent(EpollEvents.In, 1)));
        Assert.Equal(0, _px.EpollCtlOs(bottom, Add, _osIdle, new EpollEvent(EpollEvents.In, 2))); // moves middle's registration
        Assert.Equal(0, _px.EpollCtl(bottom, Add, writable, new EpollEvent(EpollEvents.Out | EpollEvents.EdgeTriggered, 3))); // signals
        Assert.Equal(0, _px.EpollCtl(bottom, Del, writable, null)); // the signal is stale now
        Assert.Equal(0, _px.EpollCtl(top, Add, middle, new EpollEvent(EpollEvents.In, 4)));

        Assert.Equal(EpollEvents.None, _px.PollNow(top, EpollEvents.In));
        Assert.Equal(0, _px.EpollWait(top, new EpollEvent[4], 4, 0));
    }

    /// <summary>Each in-process wakeup of a watched instance is an edge for an edge-triggered watcher, as in Linux.</summary>
    [LinuxFact]
    public void EveryInProcessWakeup_IsAnEdge_ForAnEdgeTriggeredWatcher()
    {
        int outer = _px.EpollCreate1(0), inner = _px.EpollCreate1(0);
        int local = _px.EventFd(0, Posix.O_NONBLOCK);
        Assert.Equal(0, _px.EpollCtlOs(inner, Add, _osIdle, new EpollEvent(EpollEvents.In, 1)));
        Assert.Equal(0, _px.EpollCtl(outer, Add, inner, new EpollEvent(EpollEvents.In | EpollEvents.EdgeTriggered, 2)));
        Assert.Equal(0, _px.EpollCtl(inner, Add, local, new EpollEvent(EpollEvents.In, 3)));
        var events = new EpollEvent[4];
        for (int round = 0; round < 3; round++)
        {
            Assert.Equal(8, _px.Write(local, BitConverter.GetBytes(1UL)));
            Assert.Equal(1, _px.EpollWait(outer, events, 4, 0));
            Assert.Equal(0, _px.EpollWait(outer, events, 4, 0)); // consumed until the next wakeup
        }
    }

    public void Dispose()
    {
        foreach (int fd in _px.Table.OpenDescriptors()) _px.Close(fd);
        LinuxSyscalls.Close(_osReadable);
        LinuxSyscalls.Close(_osIdle);
    }
}

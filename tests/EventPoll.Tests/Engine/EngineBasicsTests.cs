using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Engine;

public class EngineBasicsTests
{
    private readonly DescriptorTable _table = new();
    private readonly Posix _px;

    public EngineBasicsTests() => _px = new Posix(_table);

    private int Ctl(int ep, int op, int fd, EpollEvents ev, ulong data = 0) => _px.EpollCtl(ep, op, fd, new EpollEvent(ev, data));

    private EpollEvent[] Wait(int ep, int max = 16, int timeout = 0)
    {
        var buf = new EpollEvent[max];
        int n = _px.EpollWait(ep, buf, max, timeout);
        Assert.True(n >= 0, $"wait failed: {Posix.Errno}");
        return buf[..n];
    }

    [Fact]
    public void LevelTriggered_ReportsWhileReady_ThenStops()
    {
        int ep = _px.EpollCreate1(0);
        var f = new FakeFile();
        int fd = f.Install(_table);
        Assert.Equal(0, Ctl(ep, 1, fd, EpollEvents.In, 7));
        Assert.Empty(Wait(ep));
        f.Set(EpollEvents.In);
        Assert.Equal([new EpollEvent(EpollEvents.In, 7)], Wait(ep));
        Assert.Equal([new EpollEvent(EpollEvents.In, 7)], Wait(ep));
        f.Set(EpollEvents.None);
        Assert.Empty(Wait(ep));
    }

    [Fact]
    public void EdgeTriggered_ReportsOncePerWakeup()
    {
        int ep = _px.EpollCreate1(0);
        var f = new FakeFile();
        int fd = f.Install(_table);
        Assert.Equal(0, Ctl(ep, 1, fd, EpollEvents.In | EpollEvents.EdgeTriggered, 1));
        f.Set(EpollEvents.In);
        Assert.Single(Wait(ep));
        Assert.Empty(Wait(ep));
        f.Wake(EpollEvents.In); // no state change, still an edge
        Assert.Single(Wait(ep));
    }

    [Fact]
    public void LevelTriggered_RoundRobinWithMaxEvents()
    {
        int ep = _px.EpollCreate1(0);
        var files = new FakeFile[3];
        for (int i = 0; i < 3; i++)
        {
            files[i] = new FakeFile();
            Assert.Equal(0, Ctl(ep, 1, files[i].Install(_table), EpollEvents.In, (ulong)i));
            files[i].Set(EpollEvents.In);
        }
        var order = new List<ulong>();
        for (int i = 0; i < 6; i++) order.Add(Wait(ep, 1)[0].Data);
        Assert.Equal([0UL, 1, 2, 0, 1, 2], order);
    }

    [Fact]
    public void OneShot_DisablesUntilMod()
    {
        int ep = _px.EpollCreate1(0);
        var f = new FakeFile();
        int fd = f.Install(_table);
        f.Set(EpollEvents.In);
        Assert.Equal(0, Ctl(ep, 1, fd, EpollEvents.In | EpollEvents.OneShot, 3));
        Assert.Single(Wait(ep));
        f.Set(EpollEvents.In | EpollEvents.Hup);
        Assert.Empty(Wait(ep));
        Assert.Equal(-1, Ctl(ep, 1, fd, EpollEvents.In));
        Assert.Equal(Errno.EEXIST, Posix.Errno);
        Assert.Equal(0, Ctl(ep, 3, fd, EpollEvents.In | EpollEvents.OneShot, 4));
        Assert.Equal([new EpollEvent(EpollEvents.In | EpollEvents.Hup, 4)], Wait(ep));
    }

    [Fact]
    public void ClosingLastDescriptor_RemovesItem_DupKeepsIt()
    {
        int ep = _px.EpollCreate1(0);
        var f = new FakeFile();
        int fd = f.Install(_table);
        int dup = _px.Dup(fd);
        Assert.Equal(0, Ctl(ep, 1, fd, EpollEvents.In, 1));
        Assert.Equal(0, Ctl(ep, 1, dup, EpollEvents.In, 2));
        f.Set(EpollEvents.In);
        Assert.Equal(2, Wait(ep).Length);
        Assert.Equal(0, _px.Close(fd));
        Assert.Equal(2, Wait(ep).Length);
        Assert.Equal(-1, Ctl(ep, 2, fd, 0));
        Assert.Equal(Errno.EBADF, Posix.Errno);
        Assert.Equal(0, _px.Close(dup));
        Assert.Empty(Wait(ep));
        Assert.Equal("", _px.FdInfo(ep));
    }

    [Fact]
    public void Nested_InnerReadyMakesOuterReady_AndCycleIsEloop()
    {
        int outer = _px.EpollCreate1(0);
        int inner = _px.EpollCreate1(0);
        var f = new FakeFile();
        int fd = f.Install(_table);
        Assert.Equal(0, Ctl(inner, 1, fd, EpollEvents.In, 1));
        Assert.Equal(0, Ctl(outer, 1, inner, EpollEvents.In, 2));
        Assert.Empty(Wait(outer));
        f.Set(EpollEvents.In);
        Assert.Equal([new EpollEvent(EpollEvents.In, 2)], Wait(outer));
        Assert.Equal(-1, Ctl(inner, 1, outer, EpollEvents.In));
        Assert.Equal(Errno.ELOOP, Posix.Errno);
        Assert.Equal(-1, Ctl(inner, 1, inner, EpollEvents.In));
        Assert.Equal(Errno.EINVAL, Posix.Errno);
    }

    /// <summary>The waiter is seen queued on the instance before the event, so the event must take the wake path.</summary>
    [Fact]
    public async Task BlockingWait_WokenByAnotherThread()
    {
        int ep = _px.EpollCreate1(0);
        var f = new FakeFile();
        Assert.Equal(0, Ctl(ep, 1, f.Install(_table), EpollEvents.In, 9));
        Task<EpollEvent[]> t = Os.OsWaits.OnThread(() => Wait(ep, 4, -1));
        Os.OsWaits.AwaitBlocked(Instance(ep), 1, () => t.IsCompleted);
        Assert.False(t.IsCompleted, "the wait returned before any event");
        f.Set(EpollEvents.In);
        Assert.Equal([new EpollEvent(EpollEvents.In, 9)], await Bounded.Within(t, "the blocked wait was not woken"));
    }

    /// <summary>The wait is pending (its waiter queued) before the event, so the event must complete it.</summary>
    [Fact]
    public async Task WaitAsync_CompletesOnWakeup()
    {
        using var ep = new Epoll(_table);
        var f = new FakeFile();
        using var handle = new DescriptorHandle(_table, f.Install(_table));
        ep.Add(handle, EpollEvents.In, 5);
        var buf = new EpollEvent[4];
        ValueTask<int> pending = ep.WaitAsync(buf);
        Assert.False(pending.IsCompleted, "nothing is ready: the wait must be pending");
        Assert.Equal(1, Instance(ep.Fd).WaiterCount);
        f.Set(EpollEvents.In);
        Assert.Equal(1, await Bounded.Within(pending.AsTask(), "the pending wait was not completed"));
        Assert.Equal(new EpollEvent(EpollEvents.In, 5), buf[0]);
    }

    private Eventpoll Instance(int ep) => Assert.IsType<Eventpoll>(EngineAccess.FileAt(_table, ep));
}

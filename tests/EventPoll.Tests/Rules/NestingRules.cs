using Xunit;

namespace EventPoll.Tests.Rules;

/// <summary>
/// An instance as a pollable file (IN|RDNORM while it has really-ready items, never consuming) and the topology
/// rules of EPOLL_CTL_ADD. Probed on Linux 6.18: a chain of 5 instances is fine and the 6th link is ELOOP; the
/// upward check gives ELOOP for up 2 + 1 + down 2 and allows up 2 + 1 + down 1; 2- and 3-cycles are ELOOP;
/// wakeup-path fan-in fails with EINVAL at add #501 / #101 / #51 / #11 for path lengths 2 / 3 / 4 / 5.
/// </summary>
public class NestingRules
{
    private const EpollEvents In = EpollEvents.In;
    private const EpollEvents InRdNorm = EpollEvents.In | EpollEvents.RdNorm;

    private readonly World _w = new();

    private EpollEvents PollOf(int fd) => _w.Px.PollNow(fd, (EpollEvents)0xffff);

    [Fact]
    public void Instance_PollsAsInRdNorm_OnlyWhileItHasReallyReadyItems_NeverOut()
    {
        int inner = _w.Create();
        int e = _w.EventFd();
        Assert.Equal(Errno.None, _w.Add(inner, e, In | EpollEvents.Out, 1));
        Assert.Equal(InRdNorm, PollOf(inner)); // the eventfd is writable: OUT counts as "ready" for the item
        int r = _w.EventFd();
        int inner2 = _w.Create();
        Assert.Equal(Errno.None, _w.Add(inner2, r, In, 2));
        Assert.Equal(EpollEvents.None, PollOf(inner2));
        _w.Write(r);
        Assert.Equal(InRdNorm, PollOf(inner2));
        Span<byte> buf = stackalloc byte[8];
        Assert.Equal(8, _w.Px.Read(r, buf)); // consumed behind the instance's back: queued but not really ready
        Assert.Equal(EpollEvents.None, PollOf(inner2));
        Assert.Empty(_w.Wait(inner2));
    }

    [Fact]
    public void PollingAnInstance_DoesNotConsume_EdgeTriggeredIncluded()
    {
        int inner = _w.Create();
        int e = _w.EventFd();
        Assert.Equal(Errno.None, _w.Add(inner, e, In | EpollEvents.EdgeTriggered, 1));
        _w.Write(e);
        Assert.Equal(InRdNorm, PollOf(inner));
        Assert.Equal(InRdNorm, PollOf(inner));
        Assert.Equal([new EpollEvent(In, 1)], _w.Wait(inner));
        Assert.Equal(EpollEvents.None, PollOf(inner));
    }

    [Fact]
    public void ReadyItemInInner_WakesTheWatchingInstance_WhichReportsTheInnerAsIn()
    {
        int outer = _w.Create();
        int inner = _w.Create();
        int e = _w.EventFd();
        Assert.Equal(Errno.None, _w.Add(inner, e, In | EpollEvents.EdgeTriggered, 1));
        Assert.Equal(Errno.None, _w.Add(outer, inner, In | EpollEvents.EdgeTriggered, 2));
        Assert.Empty(_w.Wait(outer));
        _w.Write(e);
        Assert.Equal([new EpollEvent(In, 2)], _w.Wait(outer));
        Assert.Empty(_w.Wait(outer));
        Assert.Equal([new EpollEvent(In, 1)], _w.Wait(inner)); // the outer's harvest polled the inner without consuming
    }

    [Fact]
    public async Task ReadyItemInInner_WakesAWaiterBlockedOnTheOuter()
    {
        using var outer = new Epoll(_w.Table, _w.Account);
        using var inner = new Epoll(_w.Table, _w.Account);
        using var e = new EventFd(table: _w.Table);
        inner.Add(e, In, 1);
        outer.Add(inner, In, 2);
        var buf = new EpollEvent[4];
        Task<int> wait = Task.Factory.StartNew(() => outer.Wait(buf, -1), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Internals.AwaitWaiters(_w.Instance(outer.Fd), 1);
        e.Signal();
        Assert.Equal(1, await wait.Bounded());
        Assert.Equal(new EpollEvent(In, 2), buf[0]);
    }

    [Fact]
    public void SelfAdd_IsEinval()
    {
        int ep = _w.Create();
        Assert.Equal(Errno.EINVAL, _w.Add(ep, ep, In));
        Assert.Equal(Errno.EINVAL, _w.Add(ep, _w.Px.Dup(ep), In));
    }

    [Fact]
    public void TwoCycle_IsEloop()
    {
        int a = _w.Create(), b = _w.Create();
        Assert.Equal(Errno.None, _w.Add(a, b, In));
        Assert.Equal(Errno.ELOOP, _w.Add(b, a, In));
    }

    [Fact]
    public void ThreeCycle_IsEloop()
    {
        int x = _w.Create(), y = _w.Create(), z = _w.Create();
        Assert.Equal(Errno.None, _w.Add(x, y, In));
        Assert.Equal(Errno.None, _w.Add(y, z, In));
        Assert.Equal(Errno.ELOOP, _w.Add(z, x, In));
    }

    [Fact]
    public void ChainOfFiveInstances_IsAllowed_TheSixthIsEloop()
    {
        int[] c = [.. Enumerable.Range(0, 7).Select(_ => _w.Create())];
        for (int i = 0; i < 4; i++) Assert.Equal(Errno.None, _w.Add(c[i], c[i + 1], In));
        Assert.Equal(Errno.ELOOP, _w.Add(c[4], c[5], In));
        Assert.Equal(Errno.None, _w.Add(c[5], c[6], In)); // unrelated short chain
    }

    [Fact]
    public void ChainBuiltFromTheBottomUp_AlsoStopsAtFiveInstances()
    {
        int[] c = [.. Enumerable.Range(0, 6).Select(_ => _w.Create())];
        for (int i = 4; i >= 1; i--) Assert.Equal(Errno.None, _w.Add(c[i - 1], c[i], In)); // c0 > c1 > c2 > c3 > c4
        int top = _w.Create();
        Assert.Equal(Errno.ELOOP, _w.Add(top, c[0], In)); // down depth 4 + 1 > 4
    }

    [Fact]
    public void Upward_AddingADeepSubtreeUnderANestedInstance_IsEloop_WhenUpPlusOnePlusDownExceedsFour()
    {
        int u0 = _w.Create(), u1 = _w.Create(), u2 = _w.Create();
        int d0 = _w.Create(), d1 = _w.Create(), d2 = _w.Create();
        Assert.Equal(Errno.None, _w.Add(u0, u1, In));
        Assert.Equal(Errno.None, _w.Add(u1, u2, In)); // u2 has 2 instances above it
        Assert.Equal(Errno.None, _w.Add(d0, d1, In));
        Assert.Equal(Errno.None, _w.Add(d1, d2, In)); // d0 has 2 instances below it
        Assert.Equal(Errno.ELOOP, _w.Add(u2, d0, In)); // 2 + 1 + 2 = 5
        Assert.Equal(Errno.None, _w.Add(u2, d1, In)); // 2 + 1 + 1 = 4
    }

    [Fact]
    public void Upward_TakesTheLongestPathAbove()
    {
        int a = _w.Create(), b = _w.Create(), c = _w.Create(), mid = _w.Create(), shortTop = _w.Create();
        Assert.Equal(Errno.None, _w.Add(a, b, In));
        Assert.Equal(Errno.None, _w.Add(b, c, In));
        Assert.Equal(Errno.None, _w.Add(c, mid, In)); // mid: 3 above through a > b > c
        Assert.Equal(Errno.None, _w.Add(shortTop, mid, In)); // and 1 above through shortTop
        int d0 = _w.Create(), d1 = _w.Create();
        Assert.Equal(Errno.None, _w.Add(d0, d1, In));
        Assert.Equal(Errno.ELOOP, _w.Add(mid, d0, In)); // 3 + 1 + 1 = 5
        Assert.Equal(Errno.None, _w.Add(mid, d1, In)); // 3 + 1 + 0 = 4
    }

    /// <summary>pipe -> e_main -> (length-2 chain of instances) ... -> N fresh tops; returns the add number that failed.</summary>
    private int FanIn(int pathLength, int attempts)
    {
        var (read, _) = _w.Pipe();
        int below = _w.Create();
        Assert.Equal(Errno.None, _w.Add(below, read, In));
        for (int i = 2; i < pathLength; i++)
        {
            int next = _w.Create();
            Assert.Equal(Errno.None, _w.Add(next, below, In));
            below = next;
        }
        for (int i = 1; i <= attempts; i++)
        {
            Errno err = _w.Add(_w.Create(), below, In);
            if (err != Errno.None)
            {
                Assert.Equal(Errno.EINVAL, err);
                return i;
            }
        }
        return -1;
    }

    [Fact]
    public void ReversePath_Length2_500Allowed_501stEinval() => Assert.Equal(501, FanIn(2, 600));

    [Fact]
    public void ReversePath_Length3_100Allowed_101stEinval() => Assert.Equal(101, FanIn(3, 200));

    [Fact]
    public void ReversePath_Length4_50Allowed_51stEinval() => Assert.Equal(51, FanIn(4, 100));

    [Fact]
    public void ReversePath_Length5_10Allowed_11thEinval() => Assert.Equal(11, FanIn(5, 20));

    [Fact]
    public void ReversePath_FailedAdd_LeavesNothingBehind()
    {
        var (read, _) = _w.Pipe();
        int main = _w.Create();
        Assert.Equal(Errno.None, _w.Add(main, read, In));
        for (int i = 0; i < 500; i++) Assert.Equal(Errno.None, _w.Add(_w.Create(), main, In));
        long watches = _w.Account.Watches;
        int dest = _w.Create();
        Assert.Equal(Errno.EINVAL, _w.Add(dest, main, In));
        Assert.Equal(watches, _w.Account.Watches);
        Assert.Equal(0, _w.Instance(dest).ItemCount);
        Assert.Equal(500, Internals.WatcherCount(_w.File(main)));
    }

    [Fact]
    public void DirectAdds_OfOneFileIntoManyUnwatchedInstances_AreUnlimited()
    {
        var (read, _) = _w.Pipe();
        for (int i = 0; i < 1500; i++) Assert.Equal(Errno.None, _w.Add(_w.Create(), read, In));
    }
}

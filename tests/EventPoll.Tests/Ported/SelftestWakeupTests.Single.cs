using EventPoll.Tests.Support;
using System.Diagnostics;
using Xunit;

namespace EventPoll.Tests.Ported;

/// <summary>Single-thread cases: one writer, then two zero-timeout waits (and polls) of the top instance.</summary>
public partial class SelftestWakeupTests
{
    // ---- t0 (ew) e0; e0 -> s0 [, s2] ------------------------------------------------------------------

    /// <summary>Topology t0 (ew) e0 (mode) s0, or s0 and s2 when <paramref name="twoSockets"/>; both peers written.</summary>
    private Epoll FlatTopology(bool edge, bool twoSockets)
    {
        Epoll e0 = NewEpoll();
        (SourceEnd s0, SourceEnd s1) = SocketPair();
        s0.AddTo(e0, Mode(edge));
        if (!twoSockets)
        {
            Emit(s1);
            return e0;
        }
        (SourceEnd s2, SourceEnd s3) = SocketPair();
        s2.AddTo(e0, Mode(edge));
        Emit(s1);
        Emit(s3);
        return e0;
    }

    /// <summary>t0 (ew) e0 (lt) s0: a level-triggered item is reported again.</summary>
    [Fact]
    public void Selftest_epoll1()
    {
        Epoll e0 = FlatTopology(edge: false, twoSockets: false);
        Assert.Equal(1, WaitNow(e0, 1));
        Assert.Equal(1, WaitNow(e0, 1));
    }

    /// <summary>t0 (ew) e0 (et) s0: an edge-triggered item is reported once.</summary>
    [Fact]
    public void Selftest_epoll2()
    {
        Epoll e0 = FlatTopology(edge: true, twoSockets: false);
        Assert.Equal(1, WaitNow(e0, 1));
        Assert.Equal(0, WaitNow(e0, 1));
    }

    /// <summary>t0 (ew) e0 (lt) s0, s2; maxevents 2.</summary>
    [Fact]
    public void Selftest_epoll3()
    {
        Epoll e0 = FlatTopology(edge: false, twoSockets: true);
        Assert.Equal(2, WaitNow(e0, 2));
        Assert.Equal(2, WaitNow(e0, 2));
    }

    /// <summary>t0 (ew) e0 (et) s0, s2; maxevents 2.</summary>
    [Fact]
    public void Selftest_epoll4()
    {
        Epoll e0 = FlatTopology(edge: true, twoSockets: true);
        Assert.Equal(2, WaitNow(e0, 2));
        Assert.Equal(0, WaitNow(e0, 2));
    }

    /// <summary>t0 (p) e0 (lt) s0: polling never consumes; LT stays ready.</summary>
    [Fact]
    public void Selftest_epoll5()
    {
        Epoll e0 = FlatTopology(edge: false, twoSockets: false);
        Assert.Equal(1, PollNow(e0));
        Assert.Equal(1, WaitNow(e0, 1));
        Assert.Equal(1, PollNow(e0));
        Assert.Equal(1, WaitNow(e0, 1));
    }

    /// <summary>t0 (p) e0 (et) s0: after the wait consumed the edge, e0 polls not ready.</summary>
    [Fact]
    public void Selftest_epoll6()
    {
        Epoll e0 = FlatTopology(edge: true, twoSockets: false);
        Assert.Equal(1, PollNow(e0));
        Assert.Equal(1, WaitNow(e0, 1));
        Assert.Equal(0, PollNow(e0));
        Assert.Equal(0, WaitNow(e0, 1));
    }

    /// <summary>t0 (p) e0 (lt) s0, s2.</summary>
    [Fact]
    public void Selftest_epoll7()
    {
        Epoll e0 = FlatTopology(edge: false, twoSockets: true);
        Assert.Equal(1, PollNow(e0));
        Assert.Equal(2, WaitNow(e0, 2));
        Assert.Equal(1, PollNow(e0));
        Assert.Equal(2, WaitNow(e0, 2));
    }

    /// <summary>t0 (p) e0 (et) s0, s2.</summary>
    [Fact]
    public void Selftest_epoll8()
    {
        Epoll e0 = FlatTopology(edge: true, twoSockets: true);
        Assert.Equal(1, PollNow(e0));
        Assert.Equal(2, WaitNow(e0, 2));
        Assert.Equal(0, PollNow(e0));
        Assert.Equal(0, WaitNow(e0, 2));
    }

    // ---- t0 e0 -> e1 -> s0 ---------------------------------------------------------------------------

    /// <summary>Topology e0 (<paramref name="outerEdge"/>) e1 (<paramref name="innerEdge"/>) s0, s0's peer written.</summary>
    private Epoll ChainTopology(bool outerEdge, bool innerEdge)
    {
        (SourceEnd s0, SourceEnd s1) = SocketPair();
        Epoll e0 = NewEpoll();
        Epoll e1 = NewEpoll();
        s0.AddTo(e1, Mode(innerEdge));
        e0.Add(e1, Mode(outerEdge));
        Emit(s1);
        return e0;
    }

    /// <summary>t0 (ew) e0 (lt) e1 (lt) s0.</summary>
    [Fact]
    public void Selftest_epoll17()
    {
        Epoll e0 = ChainTopology(outerEdge: false, innerEdge: false);
        Assert.Equal(1, WaitNow(e0, 1));
        Assert.Equal(1, WaitNow(e0, 1));
    }

    /// <summary>t0 (ew) e0 (lt) e1 (et) s0: polling e1 from e0's harvest does not consume e1's ET item.</summary>
    [Fact]
    public void Selftest_epoll18()
    {
        Epoll e0 = ChainTopology(outerEdge: false, innerEdge: true);
        Assert.Equal(1, WaitNow(e0, 1));
        Assert.Equal(1, WaitNow(e0, 1));
    }

    /// <summary>t0 (ew) e0 (et) e1 (lt) s0.</summary>
    [Fact]
    public void Selftest_epoll19()
    {
        Epoll e0 = ChainTopology(outerEdge: true, innerEdge: false);
        Assert.Equal(1, WaitNow(e0, 1));
        Assert.Equal(0, WaitNow(e0, 1));
    }

    /// <summary>t0 (ew) e0 (et) e1 (et) s0.</summary>
    [Fact]
    public void Selftest_epoll20()
    {
        Epoll e0 = ChainTopology(outerEdge: true, innerEdge: true);
        Assert.Equal(1, WaitNow(e0, 1));
        Assert.Equal(0, WaitNow(e0, 1));
    }

    /// <summary>t0 (p) e0 (lt) e1 (lt) s0.</summary>
    [Fact]
    public void Selftest_epoll21()
    {
        Epoll e0 = ChainTopology(outerEdge: false, innerEdge: false);
        Assert.Equal(1, PollNow(e0));
        Assert.Equal(1, WaitNow(e0, 1));
        Assert.Equal(1, PollNow(e0));
        Assert.Equal(1, WaitNow(e0, 1));
    }

    /// <summary>t0 (p) e0 (lt) e1 (et) s0.</summary>
    [Fact]
    public void Selftest_epoll22()
    {
        Epoll e0 = ChainTopology(outerEdge: false, innerEdge: true);
        Assert.Equal(1, PollNow(e0));
        Assert.Equal(1, WaitNow(e0, 1));
        Assert.Equal(1, PollNow(e0));
        Assert.Equal(1, WaitNow(e0, 1));
    }

    /// <summary>t0 (p) e0 (et) e1 (lt) s0.</summary>
    [Fact]
    public void Selftest_epoll23()
    {
        Epoll e0 = ChainTopology(outerEdge: true, innerEdge: false);
        Assert.Equal(1, PollNow(e0));
        Assert.Equal(1, WaitNow(e0, 1));
        Assert.Equal(0, PollNow(e0));
        Assert.Equal(0, WaitNow(e0, 1));
    }

    /// <summary>t0 (p) e0 (et) e1 (et) s0.</summary>
    [Fact]
    public void Selftest_epoll24()
    {
        Epoll e0 = ChainTopology(outerEdge: true, innerEdge: true);
        Assert.Equal(1, PollNow(e0));
        Assert.Equal(1, WaitNow(e0, 1));
        Assert.Equal(0, PollNow(e0));
        Assert.Equal(0, WaitNow(e0, 1));
    }

    // ---- t0 e0 -> {e1 (lt) s0, e2 (lt) s2} ---------------------------------------------------------------

    /// <summary>Topology e0 (<paramref name="outerEdge"/>) e1 (lt) s0 and e0 (same) e2 (lt) s2, both peers written.</summary>
    private Epoll ForkTopology(bool outerEdge)
    {
        (Epoll e0, Action emit) = ForkThreadTopology(outerEdge);
        emit();
        return e0;
    }

    /// <summary>t0 (ew) e0 (lt) e1, e2 (lt) s0, s2; maxevents 2.</summary>
    [Fact]
    public void Selftest_epoll49()
    {
        Epoll e0 = ForkTopology(outerEdge: false);
        Assert.Equal(2, WaitNow(e0, 2));
        Assert.Equal(2, WaitNow(e0, 2));
    }

    /// <summary>t0 (ew) e0 (et) e1, e2 (lt) s0, s2; maxevents 2.</summary>
    [Fact]
    public void Selftest_epoll50()
    {
        Epoll e0 = ForkTopology(outerEdge: true);
        Assert.Equal(2, WaitNow(e0, 2));
        Assert.Equal(0, WaitNow(e0, 2));
    }

    /// <summary>t0 (p) e0 (lt) e1, e2 (lt) s0, s2.</summary>
    [Fact]
    public void Selftest_epoll51()
    {
        Epoll e0 = ForkTopology(outerEdge: false);
        Assert.Equal(1, PollNow(e0));
        Assert.Equal(2, WaitNow(e0, 2));
        Assert.Equal(1, PollNow(e0));
        Assert.Equal(2, WaitNow(e0, 2));
    }

    /// <summary>t0 (p) e0 (et) e1, e2 (lt) s0, s2.</summary>
    [Fact]
    public void Selftest_epoll52()
    {
        Epoll e0 = ForkTopology(outerEdge: true);
        Assert.Equal(1, PollNow(e0));
        Assert.Equal(2, WaitNow(e0, 2));
        Assert.Equal(0, PollNow(e0));
        Assert.Equal(0, WaitNow(e0, 2));
    }

    // ---- epoll_pwait2 and pipes --------------------------------------------------------------------------

    /// <summary>epoll1 through raw epoll_pwait2 with a NULL timeout (and no signal mask).</summary>
    [Fact]
    public void Selftest_epoll62()
    {
        (SourceEnd s0, SourceEnd s1) = SocketPair();
        Epoll efd = NewEpoll();
        s0.AddTo(efd, EpollEvents.In);
        Emit(s1);

        var e = new EpollEvent[1];
        Assert.Equal(1, _px.EpollPwait2(efd.Fd, e, 1, null));
        Assert.Equal(1, _px.EpollPwait2(efd.Fd, e, 1, null));
    }

    /// <summary>epoll_pwait2 with a 10 ms timeout and nothing ready: returns 0 after at least 10 ms.</summary>
    [Fact]
    public void Selftest_epoll63()
    {
        TimeSpan delay = TimeSpan.FromMilliseconds(10);
        (SourceEnd s0, _) = SocketPair();
        Epoll efd = NewEpoll();
        s0.AddTo(efd, EpollEvents.In);

        var e = new EpollEvent[1];
        var elapsed = Stopwatch.StartNew(); // monotonic
        Assert.Equal(0, _px.EpollPwait2(efd.Fd, e, 1, delay));
        elapsed.Stop();
        Assert.True(elapsed.Elapsed >= delay, $"returned after {elapsed.Elapsed.TotalMilliseconds} ms");
    }

    /// <summary>(pending upstream) pipe read end IN|ET: every write is an edge, even into a non-empty pipe.</summary>
    [Fact]
    public void Selftest_epoll66()
    {
        (SourceEnd reader, SourceEnd writer) = Sources.Pipe(Table);
        Own(reader);
        Own(writer);
        Epoll efd = NewEpoll();
        reader.AddTo(efd, EpollEvents.In | EpollEvents.EdgeTriggered);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(1, writer.Write([0])); // write(pfd[1], "", 1): the terminating NUL
            Assert.Equal(1, WaitNow(efd, 1));
        }
    }
}

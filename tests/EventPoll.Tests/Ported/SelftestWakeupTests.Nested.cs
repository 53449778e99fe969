using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Ported;

/// <summary>Two threads on nested instances (epoll25..48, epoll53..58).</summary>
public partial class SelftestWakeupTests
{
    /// <summary>e0 (<paramref name="outerEdge"/>) e1 (<paramref name="innerEdge"/>) s0; emit writes s0's peer once.</summary>
    private (Epoll E0, Epoll E1, Action Emit) ChainThreadTopology(bool outerEdge, bool innerEdge)
    {
        (SourceEnd s0, SourceEnd s1) = SocketPair();
        Epoll e0 = NewEpoll();
        Epoll e1 = NewEpoll();
        s0.AddTo(e1, Mode(innerEdge));
        e0.Add(e1, Mode(outerEdge));
        return (e0, e1, () => Emit(s1));
    }

    /// <summary>e0 (<paramref name="outerEdge"/>) e1 (lt) s0 and e2 (lt) s2; emit writes both peers.</summary>
    private (Epoll E0, Action Emit) ForkThreadTopology(bool outerEdge)
    {
        (SourceEnd s0, SourceEnd s1) = SocketPair();
        Epoll e0 = NewEpoll();
        Epoll e1 = NewEpoll();
        Epoll e2 = NewEpoll();
        (SourceEnd s2, Action emit) = SecondSocket(e0, s0, s1);
        s0.AddTo(e1, EpollEvents.In);
        s2.AddTo(e2, EpollEvents.In);
        e0.Add(e1, Mode(outerEdge));
        e0.Add(e2, Mode(outerEdge));
        return (e0, emit);
    }

    // ---- t0 (ew), t1 (ew) on e0; e0 -> e1 -> s0 -----------------------------------------------------------

    /// <summary>t0 (ew), t1 (ew) on e0 (lt) e1 (lt) s0.</summary>
    [Fact]
    public void Selftest_epoll25()
    {
        (Epoll e0, _, Action emit) = ChainThreadTopology(outerEdge: false, innerEdge: false);
        Assert.Equal(2, RunThreads(emit, c => c == 2, Ew(e0), Ew(e0)));
    }

    /// <summary>t0 (ew), t1 (ew) on e0 (lt) e1 (et) s0.</summary>
    [Fact]
    public void Selftest_epoll26()
    {
        (Epoll e0, _, Action emit) = ChainThreadTopology(outerEdge: false, innerEdge: true);
        Assert.Equal(2, RunThreads(emit, c => c == 2, Ew(e0), Ew(e0)));
    }

    /// <summary>t0 (ew), t1 (ew) on e0 (et) e1 (lt) s0.</summary>
    [Fact]
    public void Selftest_epoll27()
    {
        (Epoll e0, _, Action emit) = ChainThreadTopology(outerEdge: true, innerEdge: false);
        Assert.Equal(1, RunThreads(emit, c => c == 1, Ew(e0), Ew(e0)));
    }

    /// <summary>t0 (ew), t1 (ew) on e0 (et) e1 (et) s0.</summary>
    [Fact]
    public void Selftest_epoll28()
    {
        (Epoll e0, _, Action emit) = ChainThreadTopology(outerEdge: true, innerEdge: true);
        Assert.Equal(1, RunThreads(emit, c => c == 1, Ew(e0), Ew(e0)));
    }

    // ---- t0 (ew), t1 (p) on e0; e0 -> e1 -> s0 ------------------------------------------------------------

    /// <summary>t0 (ew), t1 (p) on e0 (lt) e1 (lt) s0.</summary>
    [Fact]
    public void Selftest_epoll29()
    {
        (Epoll e0, _, Action emit) = ChainThreadTopology(outerEdge: false, innerEdge: false);
        Assert.Equal(2, RunThreads(emit, c => c == 2, Ew(e0), P(e0)));
    }

    /// <summary>t0 (ew), t1 (p) on e0 (lt) e1 (et) s0.</summary>
    [Fact]
    public void Selftest_epoll30()
    {
        (Epoll e0, _, Action emit) = ChainThreadTopology(outerEdge: false, innerEdge: true);
        Assert.Equal(2, RunThreads(emit, c => c == 2, Ew(e0), P(e0)));
    }

    /// <summary>t0 (ew), t1 (p) on e0 (et) e1 (lt) s0.</summary>
    [Fact]
    public void Selftest_epoll31()
    {
        (Epoll e0, _, Action emit) = ChainThreadTopology(outerEdge: true, innerEdge: false);
        Assert.Equal(1, RunThreads(emit, c => c == 1, Ew(e0), P(e0)));
    }

    /// <summary>t0 (ew), t1 (p) on e0 (et) e1 (et) s0.</summary>
    [Fact]
    public void Selftest_epoll32()
    {
        (Epoll e0, _, Action emit) = ChainThreadTopology(outerEdge: true, innerEdge: true);
        Assert.Equal(1, RunThreads(emit, c => c == 1, Ew(e0), P(e0)));
    }

    // ---- t0 on the inner e1, t1 on the outer e0 -------------------------------------------------------------
    // When e1's item is edge-triggered, t0 (bit 2) must get it; t1 (bit 1) gets it only if its harvest polls e1
    // before t0 consumed the edge, so the C test accepts 2 or 3.

    /// <summary>t0 (ew) e1, t1 (ew) e0; e0 (lt) e1 (lt) s0.</summary>
    [Fact]
    public void Selftest_epoll33()
    {
        (Epoll e0, Epoll e1, Action emit) = ChainThreadTopology(outerEdge: false, innerEdge: false);
        Assert.Equal(2, RunThreads(emit, c => c == 2, Ew(e1), Ew(e0)));
    }

    /// <summary>t0 (ew) e1, t1 (ew) e0; e0 (lt) e1 (et) s0.</summary>
    [Fact]
    public void Selftest_epoll34()
    {
        (Epoll e0, Epoll e1, Action emit) = ChainThreadTopology(outerEdge: false, innerEdge: true);
        AssertTwoOrThree(RunThreads(emit, InnerGotIt, Ew(e1).Or(2), Ew(e0).Or(1)));
    }

    /// <summary>t0 (ew) e1, t1 (ew) e0; e0 (et) e1 (lt) s0.</summary>
    [Fact]
    public void Selftest_epoll35()
    {
        (Epoll e0, Epoll e1, Action emit) = ChainThreadTopology(outerEdge: true, innerEdge: false);
        Assert.Equal(2, RunThreads(emit, c => c == 2, Ew(e1), Ew(e0)));
    }

    /// <summary>t0 (ew) e1, t1 (ew) e0; e0 (et) e1 (et) s0.</summary>
    [Fact]
    public void Selftest_epoll36()
    {
        (Epoll e0, Epoll e1, Action emit) = ChainThreadTopology(outerEdge: true, innerEdge: true);
        AssertTwoOrThree(RunThreads(emit, InnerGotIt, Ew(e1).Or(2), Ew(e0).Or(1)));
    }

    /// <summary>t0 (p) e1, t1 (ew) e0; e0 (lt) e1 (lt) s0.</summary>
    [Fact]
    public void Selftest_epoll37()
    {
        (Epoll e0, Epoll e1, Action emit) = ChainThreadTopology(outerEdge: false, innerEdge: false);
        Assert.Equal(2, RunThreads(emit, c => c == 2, P(e1), Ew(e0)));
    }

    /// <summary>t0 (p) e1, t1 (ew) e0; e0 (lt) e1 (et) s0.</summary>
    [Fact]
    public void Selftest_epoll38()
    {
        (Epoll e0, Epoll e1, Action emit) = ChainThreadTopology(outerEdge: false, innerEdge: true);
        AssertTwoOrThree(RunThreads(emit, InnerGotIt, P(e1).Or(2), Ew(e0).Or(1)));
    }

    /// <summary>t0 (p) e1, t1 (ew) e0; e0 (et) e1 (lt) s0.</summary>
    [Fact]
    public void Selftest_epoll39()
    {
        (Epoll e0, Epoll e1, Action emit) = ChainThreadTopology(outerEdge: true, innerEdge: false);
        Assert.Equal(2, RunThreads(emit, c => c == 2, P(e1), Ew(e0)));
    }

    /// <summary>t0 (p) e1, t1 (ew) e0; e0 (et) e1 (et) s0.</summary>
    [Fact]
    public void Selftest_epoll40()
    {
        (Epoll e0, Epoll e1, Action emit) = ChainThreadTopology(outerEdge: true, innerEdge: true);
        AssertTwoOrThree(RunThreads(emit, InnerGotIt, P(e1).Or(2), Ew(e0).Or(1)));
    }

    /// <summary>t0 (ew) e1, t1 (p) e0; e0 (lt) e1 (lt) s0.</summary>
    [Fact]
    public void Selftest_epoll41()
    {
        (Epoll e0, Epoll e1, Action emit) = ChainThreadTopology(outerEdge: false, innerEdge: false);
        Assert.Equal(2, RunThreads(emit, c => c == 2, Ew(e1), P(e0)));
    }

    /// <summary>t0 (ew) e1, t1 (p) e0; e0 (lt) e1 (et) s0.</summary>
    [Fact]
    public void Selftest_epoll42()
    {
        (Epoll e0, Epoll e1, Action emit) = ChainThreadTopology(outerEdge: false, innerEdge: true);
        AssertTwoOrThree(RunThreads(emit, InnerGotIt, Ew(e1).Or(2), P(e0).Or(1)));
    }

    /// <summary>t0 (ew) e1, t1 (p) e0; e0 (et) e1 (lt) s0.</summary>
    [Fact]
    public void Selftest_epoll43()
    {
        (Epoll e0, Epoll e1, Action emit) = ChainThreadTopology(outerEdge: true, innerEdge: false);
        Assert.Equal(2, RunThreads(emit, c => c == 2, Ew(e1), P(e0)));
    }

    /// <summary>t0 (ew) e1, t1 (p) e0; e0 (et) e1 (et) s0.</summary>
    [Fact]
    public void Selftest_epoll44()
    {
        (Epoll e0, Epoll e1, Action emit) = ChainThreadTopology(outerEdge: true, innerEdge: true);
        AssertTwoOrThree(RunThreads(emit, InnerGotIt, Ew(e1).Or(2), P(e0).Or(1)));
    }

    /// <summary>t0 (p) e1, t1 (p) e0; e0 (lt) e1 (lt) s0.</summary>
    [Fact]
    public void Selftest_epoll45()
    {
        (Epoll e0, Epoll e1, Action emit) = ChainThreadTopology(outerEdge: false, innerEdge: false);
        Assert.Equal(2, RunThreads(emit, c => c == 2, P(e1), P(e0)));
    }

    /// <summary>e0 (lt) e1 (et) s0. The diagram says t0 (p), but the C code has t0 do a plain (ew) on e1; ported as coded.</summary>
    [Fact]
    public void Selftest_epoll46()
    {
        (Epoll e0, Epoll e1, Action emit) = ChainThreadTopology(outerEdge: false, innerEdge: true);
        AssertTwoOrThree(RunThreads(emit, InnerGotIt, Ew(e1).Or(2), P(e0).Or(1)));
    }

    /// <summary>t0 (p) e1, t1 (p) e0; e0 (et) e1 (lt) s0.</summary>
    [Fact]
    public void Selftest_epoll47()
    {
        (Epoll e0, Epoll e1, Action emit) = ChainThreadTopology(outerEdge: true, innerEdge: false);
        Assert.Equal(2, RunThreads(emit, c => c == 2, P(e1), P(e0)));
    }

    /// <summary>e0 (et) e1 (et) s0. As in epoll46, t0 does a plain (ew) on e1 in the C code; t1 (p) e0.</summary>
    [Fact]
    public void Selftest_epoll48()
    {
        (Epoll e0, Epoll e1, Action emit) = ChainThreadTopology(outerEdge: true, innerEdge: true);
        AssertTwoOrThree(RunThreads(emit, InnerGotIt, Ew(e1).Or(2), P(e0).Or(1)));
    }

    // ---- t0, t1 on e0; e0 -> {e1 (lt) s0, e2 (lt) s2}; both written; maxevents 1 ------------------------------

    /// <summary>t0 (ew), t1 (ew) on e0 (lt) e1, e2.</summary>
    [Fact]
    public void Selftest_epoll53()
    {
        (Epoll e0, Action emit) = ForkThreadTopology(outerEdge: false);
        Assert.Equal(2, RunThreads(emit, c => c == 2, Ew(e0), Ew(e0)));
    }

    /// <summary>t0 (ew), t1 (ew) on e0 (et) e1, e2.</summary>
    [Fact]
    public void Selftest_epoll54()
    {
        (Epoll e0, Action emit) = ForkThreadTopology(outerEdge: true);
        Assert.Equal(2, RunThreads(emit, c => c == 2, Ew(e0), Ew(e0)));
    }

    /// <summary>t0 (ew), t1 (p) on e0 (lt) e1, e2.</summary>
    [Fact]
    public void Selftest_epoll55()
    {
        (Epoll e0, Action emit) = ForkThreadTopology(outerEdge: false);
        Assert.Equal(2, RunThreads(emit, c => c == 2, Ew(e0), P(e0)));
    }

    /// <summary>t0 (ew), t1 (p) on e0 (et) e1, e2.</summary>
    [Fact]
    public void Selftest_epoll56()
    {
        (Epoll e0, Action emit) = ForkThreadTopology(outerEdge: true);
        Assert.Equal(2, RunThreads(emit, c => c == 2, Ew(e0), P(e0)));
    }

    /// <summary>t0 (p), t1 (p) on e0 (lt) e1, e2.</summary>
    [Fact]
    public void Selftest_epoll57()
    {
        (Epoll e0, Action emit) = ForkThreadTopology(outerEdge: false);
        Assert.Equal(2, RunThreads(emit, c => c == 2, P(e0), P(e0)));
    }

    /// <summary>t0 (p), t1 (p) on e0 (et) e1, e2.</summary>
    [Fact]
    public void Selftest_epoll58()
    {
        (Epoll e0, Action emit) = ForkThreadTopology(outerEdge: true);
        Assert.Equal(2, RunThreads(emit, c => c == 2, P(e0), P(e0)));
    }
}

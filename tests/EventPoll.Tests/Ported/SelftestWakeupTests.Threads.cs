using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Ported;

/// <summary>Two threads on one instance watching sockets directly (epoll9..16, epoll64).</summary>
public partial class SelftestWakeupTests
{
    /// <summary>e0 watching s0 (and s2 when <paramref name="twoSockets"/>) in one mode; returns the emitter.</summary>
    private (Epoll E0, Action Emit) FlatThreadTopology(bool edge, bool twoSockets)
    {
        Epoll e0 = NewEpoll();
        (SourceEnd s0, SourceEnd s1) = SocketPair();
        s0.AddTo(e0, Mode(edge));
        if (!twoSockets) return (e0, () => Emit(s1)); // emitter_entry1
        (SourceEnd s2, Action emit) = SecondSocket(e0, s0, s1);
        s2.AddTo(e0, Mode(edge));
        return (e0, emit);                              // emitter_entry2
    }

    /// <summary>t0 (ew), t1 (ew) on e0 (lt) s0; one write: the LT baton pass of ep_done_scan wakes both.</summary>
    [Fact]
    public void Selftest_epoll9()
    {
        (Epoll e0, Action emit) = FlatThreadTopology(edge: false, twoSockets: false);
        Assert.Equal(2, RunThreads(emit, c => c == 2, Ew(e0), Ew(e0)));
    }

    /// <summary>t0 (ew), t1 (ew) on e0 (et) s0; one write: exactly one waiter gets it.</summary>
    [Fact]
    public void Selftest_epoll10()
    {
        (Epoll e0, Action emit) = FlatThreadTopology(edge: true, twoSockets: false);
        Assert.Equal(1, RunThreads(emit, c => c == 1, Ew(e0), Ew(e0)));
    }

    /// <summary>t0 (ew), t1 (ew) with maxevents 2 on e0 (lt) s0, s2; both written.</summary>
    [Fact]
    public void Selftest_epoll11()
    {
        (Epoll e0, Action emit) = FlatThreadTopology(edge: false, twoSockets: true);
        Assert.Equal(2, RunThreads(emit, c => c == 2, Ew(e0, 2), Ew(e0, 2)));
    }

    /// <summary>t0 (ew), t1 (ew) with maxevents 1 on e0 (et) s0, s2; both written: one event each.</summary>
    [Fact]
    public void Selftest_epoll12()
    {
        (Epoll e0, Action emit) = FlatThreadTopology(edge: true, twoSockets: true);
        Assert.Equal(2, RunThreads(emit, c => c == 2, Ew(e0), Ew(e0)));
    }

    /// <summary>t0 (ew), t1 (p) on e0 (lt) s0.</summary>
    [Fact]
    public void Selftest_epoll13()
    {
        (Epoll e0, Action emit) = FlatThreadTopology(edge: false, twoSockets: false);
        Assert.Equal(2, RunThreads(emit, c => c == 2, Ew(e0), P(e0)));
    }

    /// <summary>t0 (ew), t1 (p) on e0 (et) s0: only one of them harvests the edge.</summary>
    [Fact]
    public void Selftest_epoll14()
    {
        (Epoll e0, Action emit) = FlatThreadTopology(edge: true, twoSockets: false);
        Assert.Equal(1, RunThreads(emit, c => c == 1, Ew(e0), P(e0)));
    }

    /// <summary>t0 (ew), t1 (p) with maxevents 2 on e0 (lt) s0, s2.</summary>
    [Fact]
    public void Selftest_epoll15()
    {
        (Epoll e0, Action emit) = FlatThreadTopology(edge: false, twoSockets: true);
        Assert.Equal(2, RunThreads(emit, c => c == 2, Ew(e0, 2), P(e0, 2)));
    }

    /// <summary>t0 (ew), t1 (p) with maxevents 1 on e0 (et) s0, s2.</summary>
    [Fact]
    public void Selftest_epoll16()
    {
        (Epoll e0, Action emit) = FlatThreadTopology(edge: true, twoSockets: true);
        Assert.Equal(2, RunThreads(emit, c => c == 2, Ew(e0), P(e0)));
    }

    /// <summary>
    /// Two waiter threads (ew) on e0 (lt) s0, the main thread writes once after both sleep; both must return
    /// with the event without any signal (bugzilla 208943: ep_done_scan must pass the wakeup on). In C it differs
    /// from epoll9, whose final SIGUSR1 lets a never-woken waiter harvest the LT item; the harness requires every
    /// expected wakeup before its signal, so here the two cases run alike.
    /// </summary>
    [Fact]
    public void Selftest_epoll64()
    {
        (Epoll e0, Action emit) = FlatThreadTopology(edge: false, twoSockets: false);
        Assert.Equal(2, RunThreads(emit, c => c == 2, Ew(e0), Ew(e0)));
    }
}

using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using EventPoll.Reactor;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;
using static EventPoll.Tests.Reactor.ReactorObserve;

namespace EventPoll.Tests.Reactor;

/// <summary>The listener's registration and the stop's grace (EventLoop.cs).</summary>
public partial class ReactorStopMutationTests
{
    private const uint EpollExclusive = 1u << 28;

    [LinuxFact]
    public void Stop_closes_idle_connections_at_once_refuses_new_ones_and_lets_a_busy_one_finish_within_the_grace()
    {
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1 });
        using Socket idle = probe.ConnectAnswered("done\n", out ConnectionId idleId);
        using Socket busy = probe.Connect();
        Send(busy, "unfin");
        ConnectionId busyId = probe.NextOpen().Id;
        probe.NextReceived(); // "unfin": the loop holds the busy one's partial request

        Task<bool> stop = Task.Run(() => probe.Reactor.Stop(TimeSpan.FromMinutes(1)));
        Assert.Equal(0, idle.Receive(new byte[8]));
        Assert.Equal((idleId, CloseReason.Stopped), probe.NextClose());
        Assert.Throws<SocketException>(() => probe.Connect().Dispose()); // the listener is closed

        Send(busy, "ished\n");
        Assert.Equal("ok:unfinished\n", ReceiveText(busy, 14));
        Assert.Equal(0, busy.Receive(new byte[8])); // closed once its exchange ended, not at the deadline
        Assert.Equal((busyId, CloseReason.Stopped), probe.NextClose());
        Assert.True(Bounded.Result(stop, "the stop did not return"));
    }

    [LinuxTheory]
    [InlineData(AcceptMode.ReusePort, 0u)]
    [InlineData(AcceptMode.SharedExclusive, EpollExclusive)]
    public void Each_loop_watches_its_listener_with_EPOLLEXCLUSIVE_only_when_the_listener_is_shared(AcceptMode mode, uint exclusive)
    {
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 2, Accept = mode });
        foreach (EventLoop loop in probe.Reactor.Loops)
        {
            (int _, uint events) = Assert.Single(SocketsIn(loop));
            Assert.Equal(exclusive, events & EpollExclusive);
        }
    }

    [LinuxFact]
    public void Stop_takes_a_shared_listener_out_of_a_loop_that_is_still_finishing_a_connection()
    {
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1, Accept = AcceptMode.SharedExclusive, DeferAccept = false });
        (int listener, _) = Assert.Single(SocketsIn(probe.Loop));
        using Socket busy = probe.Connect();
        Send(busy, "unfin");
        probe.NextReceived();
        Task<bool> stop = Task.Run(() => probe.Reactor.Stop(TimeSpan.FromMinutes(1)));
        Bounded.Until(() => SocketsIn(probe.Loop).All(s => s.Fd != listener), "the stopping loop still watches the shared listener");
        Send(busy, "ished\n");
        Assert.Equal("ok:unfinished\n", ReceiveText(busy, 14));
        Assert.True(Bounded.Result(stop, "the stop did not return"));
    }

    [LinuxFact]
    public void Stop_reports_a_loop_that_a_blocked_handler_keeps_from_ending()
    {
        var gate = new ManualResetEventSlim();
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1 })
        {
            Receive = (_, received) =>
            {
                Assert.True(gate.Wait(Bounded.Limit));
                return received.Length;
            },
        };
        using Socket s = probe.Connect();
        Send(s, "x");
        probe.NextReceived();
        Assert.False(probe.Reactor.Stop(TimeSpan.Zero)); // waits grace + 5 s for the loop
        gate.Set();
        Assert.True(probe.Loop.Join(Bounded.Limit));
    }

    /// <summary>The sockets in <paramref name="loop"/>'s kernel epoll and their registered events (/proc/self/fdinfo).</summary>
    private static List<(int Fd, uint Events)> SocketsIn(EventLoop loop)
    {
        var sockets = new List<(int, uint)>();
        string info = File.ReadAllText($"/proc/self/fdinfo/{loop.Instance.Kernel!.Descriptor}");
        foreach (Match m in Registration().Matches(info))
        {
            int fd = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            if (new FileInfo($"/proc/self/fd/{fd}").LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) != true) continue;
            sockets.Add((fd, uint.Parse(m.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
        }
        return sockets;
    }

    [GeneratedRegex(@"tfd:\s+(\d+) events:\s+([0-9a-f]+)")]
    private static partial Regex Registration();
}

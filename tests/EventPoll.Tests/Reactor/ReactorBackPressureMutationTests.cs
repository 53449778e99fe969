using System.Net.Sockets;
using EventPoll.Reactor;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;
using static EventPoll.Tests.Reactor.ReactorObserve;

namespace EventPoll.Tests.Reactor;

/// <summary>Blocked output as the loop's dispatch and input see it: EPOLLOUT registration, deferred reads (back-pressure).</summary>
public class ReactorBackPressureMutationTests
{
    private const int Big = 8_000_000; // more than the socket buffers hold with a 4 KiB receive buffer: the output blocks

    [LinuxTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_blocked_answer_arrives_whole_and_the_requests_that_waited_behind_it_are_answered_after(bool deferAccept)
    {
        // Deferred accept: the answer blocks before the connection is registered, which must then watch EPOLLOUT.
        // Otherwise the first blocking send adds EPOLLOUT to the registration.
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1, DeferAccept = deferAccept });
        using Socket other = probe.ConnectAnswered("first\n", out _);
        using Socket s = probe.Connect(receiveBuffer: 4096);
        Send(s, $"big:{Big}\n");
        int fd = probe.NextOpen().Fd;
        probe.NextReceived();
        Send(s, "after\n");
        Bounded.Until(() => Unread(fd) == 6, "the request behind the blocked answer did not arrive unread");
        // The other connection's request arrives after it, so its answer means the loop has dispatched that input event:
        // while the output is blocked the loop does not read (back-pressure), and the handler saw only "ping".
        Send(other, "ping\n");
        Assert.Equal("ok:ping\n", ReceiveText(other, 8));
        Assert.Equal("ping\n", probe.NextReceived());
        Assert.Equal(0, probe.ReceivedCount);
        Assert.Equal(6, Unread(fd));
        Assert.True(ReceiveExactly(s, Big).AsSpan().SequenceEqual(ReactorProbe.Pattern(Big)));
        Assert.Equal("ok:after\n", ReceiveText(s, 9));
        Send(s, "again\n"); // the connection goes on once its output drained (its events carry EPOLLOUT from now on)
        Assert.Equal("ok:again\n", ReceiveText(s, 9));
    }
}

using System.Net.Sockets;
using EventPoll.Reactor;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;
using static EventPoll.Tests.Reactor.ReactorObserve;

namespace EventPoll.Tests.Reactor;

/// <summary>Blocked output as the loop's dispatch and input see it: EPOLLOUT registration, deferred reads, back-pressure.</summary>
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
        using Socket s = probe.Connect(receiveBuffer: 4096);
        Send(s, $"big:{Big}\n");
        int fd = probe.NextOpen().Fd;
        probe.NextReceived();
        Send(s, "after\n");
        Bounded.Until(() => Unread(fd) == 6, "the request behind the blocked answer did not arrive unread");
        Assert.True(ReceiveExactly(s, Big).AsSpan().SequenceEqual(ReactorProbe.Pattern(Big)));
        Assert.Equal("ok:after\n", ReceiveText(s, 9));
        Send(s, "again\n"); // the connection goes on once its output drained (its events carry EPOLLOUT from now on)
        Assert.Equal("ok:again\n", ReceiveText(s, 9));
    }

    [LinuxFact]
    public void While_its_output_is_blocked_the_loop_stops_reading_the_connection()
    {
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1, DeferAccept = false });
        using Socket s = probe.Connect(receiveBuffer: 4096);
        Send(s, $"big:{Big}\n");
        probe.NextReceived();
        byte[] lines = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(new string('x', 1023) + "\n", 64)));
        s.Blocking = false;
        const long Bound = 64L << 20; // far more than the client's send and the server's receive buffers hold
        long sent = 0;
        while (sent < Bound)
        {
            int n = s.Send(lines, 0, lines.Length, SocketFlags.None, out SocketError error);
            if (error == SocketError.WouldBlock) break;
            Assert.Equal(SocketError.Success, error);
            sent += n;
        }
        Assert.True(sent < Bound, $"the client sent {sent} bytes without blocking: the server kept reading");
    }
}

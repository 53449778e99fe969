using System.Net.Sockets;
using EventPoll.Reactor;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;
using static EventPoll.Tests.Reactor.ReactorObserve;

namespace EventPoll.Tests.Reactor;

/// <summary>The close path (EventLoop.Close.cs): the lingering close and what an abort discards.</summary>
public class ReactorCloseMutationTests
{
    [LinuxTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_lingering_close_sends_its_FIN_drops_further_input_and_closes_cleanly_at_the_peers_end(bool deferAccept)
    {
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1, DeferAccept = deferAccept });
        using Socket s = probe.Connect();
        Send(s, "close\nextra"); // "extra" is left unread: the close lingers
        Assert.Equal("ok:close\n", ReceiveText(s, 9));
        Assert.Equal(0, s.Receive(new byte[8])); // the server's FIN, sent by its shutdown...
        var (id, fd) = probe.NextOpen();
        Assert.True(probe.OnLoop(() => probe.Loop.Find(id) is not null), "the connection closed instead of lingering"); // ...before its close

        Send(s, "more\n");
        Bounded.Until(() => Unread(fd) <= 0, "the lingering connection did not read the peer's further bytes");
        Assert.True(probe.OnLoop(() => probe.Loop.Find(id) is not null), "reading while lingering closed the connection");
        s.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        Assert.Equal((id, CloseReason.Closed), probe.NextClose());
        Assert.Equal("close\nextra", probe.NextReceived());
        Assert.Equal(0, probe.ReceivedCount); // input after the close is dropped, never offered to the handler
        Assert.Equal(0, PendingError(s));     // an orderly end: no reset
    }

    [LinuxFact]
    public void A_close_with_all_input_consumed_does_not_linger_even_after_a_partial_read()
    {
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1 });
        using Socket s = probe.Connect();
        Send(s, "clo"); // consumed later, whole: nothing is left unread when the handler closes
        Assert.Equal("clo", probe.NextReceived());
        Send(s, "se\n");
        Assert.Equal("ok:close\n", ReceiveText(s, 9));
        Assert.Equal(0, s.Receive(new byte[8]));
        ConnectionId id = probe.NextOpen().Id;
        Assert.True(probe.OnLoop(() => probe.Loop.Find(id) is null), "the connection lingers");
        Assert.Equal((id, CloseReason.Closed), probe.NextClose());
    }

    [LinuxFact]
    public void A_lingering_connection_whose_peer_never_ends_is_closed_by_the_linger_timeout()
    {
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1, DeferAccept = false, HeaderTimeout = TimeSpan.FromMinutes(5) });
        using Socket s = probe.Connect();
        Send(s, "close\nextra");
        Assert.Equal("ok:close\n", ReceiveText(s, 9));
        Assert.Equal(0, s.Receive(new byte[8]));
        Assert.Equal(CloseReason.Closed, probe.NextClose().Reason); // 2 s after the answer, not at the header timeout
        Assert.Equal(0, PendingError(s));
    }

    [LinuxFact]
    public void Input_deferred_behind_blocked_output_is_drained_when_the_close_begins_to_linger()
    {
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1, DeferAccept = false, HeaderTimeout = TimeSpan.FromMinutes(5) });
        using Socket s = probe.Connect(receiveBuffer: 4096);
        var (id, fd) = probe.NextOpen();
        const int Big = 8_000_000; // more than the socket buffers hold: the output blocks
        Send(s, $"big:{Big}\nclose\nextra");
        probe.NextReceived();
        Send(s, "more\n"); // not read while the output is blocked, and no edge will come for it later
        Bounded.Until(() => Unread(fd) == 5, "the deferred bytes did not arrive");
        Assert.True(ReceiveExactly(s, Big).AsSpan().SequenceEqual(ReactorProbe.Pattern(Big)));
        Assert.Equal("ok:close\n", ReceiveText(s, 9));
        Assert.Equal(0, s.Receive(new byte[8]));
        Bounded.Until(() => Unread(fd) <= 0, "the deferred bytes were not drained");
        Assert.True(probe.OnLoop(() => probe.Loop.Find(id) is not null), "the connection closed instead of lingering");
        s.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        Assert.Equal((id, CloseReason.Closed), probe.NextClose());
        Assert.Equal(0, PendingError(s));
    }

    [LinuxFact]
    public void Aborting_another_connection_keeps_the_output_already_written_for_this_one()
    {
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1, DeferAccept = false });
        using Socket a = probe.Connect();
        ConnectionId idA = probe.NextOpen().Id;
        using Socket b = probe.Connect();
        ConnectionId idB = probe.NextOpen().Id;
        probe.Loop.Post(_ =>
        {
            probe.Loop.Find(idA)!.Write("to a\n"u8);
            probe.Loop.Find(idB)!.Abort();
        }, null);
        Assert.Equal((idB, CloseReason.Aborted), probe.NextClose());
        Assert.Equal("to a\n", ReceiveText(a, 5));
    }

    [LinuxFact]
    public void Output_of_an_aborted_connection_never_reaches_the_next_connection_in_its_slot()
    {
        int opened = 0;
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1, DeferAccept = false })
        {
            Opened = c =>
            {
                if (Interlocked.Increment(ref opened) == 1)
                {
                    c.Write("doomed\n"u8); // sits in the loop's send buffer: nothing flushes after OnOpened
                    c.Abort();
                }
                else
                {
                    c.Write("hi\n"u8);
                }
            },
        };
        using Socket first = probe.Connect();
        Assert.Equal(CloseReason.Aborted, probe.NextClose().Reason);
        using Socket second = probe.Connect(); // takes the freed slot, and its Connection object
        Send(second, "x\n");
        Assert.Equal("hi\nok:x\n", ReceiveText(second, 8));
        Assert.Equal(0, first.Receive(new byte[8]));
    }
}

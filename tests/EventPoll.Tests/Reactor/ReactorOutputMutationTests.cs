using System.Net.Sockets;
using EventPoll.Reactor;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;
using static EventPoll.Tests.Reactor.OutputSession;
using static EventPoll.Tests.Reactor.OutputStream;

namespace EventPoll.Tests.Reactor;

/// <summary>
/// The reactor's output path (EventLoop.Output.cs): output the socket refuses waits in the connection's pending buffer
/// and goes out on EPOLLOUT, in order, before a requested close and before input read meanwhile is answered.
/// </summary>
public class ReactorOutputMutationTests
{
    [LinuxTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_response_larger_than_the_socket_buffers_arrives_whole_and_in_order(bool deferAccept)
    {
        using var t = new OutputSession(deferAccept);
        t.BlockOutput("big");
        ReceiveStream(t.Client, 0, Big);
        ReactorClient.Send(t.Client, "after\n"); // reading resumed once the output drained
        Assert.Equal("ok:after\n", ReactorClient.Receive(t.Client, 9));
        ReactorClient.Send(t.Client, "bigclose 10\n"); // sent whole: nothing is left pending to hold the close back
        ReceiveStream(t.Client, Big, 10);
        t.ExpectClose(CloseReason.Closed);
    }

    [LinuxFact]
    public void Close_while_output_is_pending_sends_all_of_it_then_closes()
    {
        using var t = new OutputSession();
        t.BlockOutput("bigclose");
        ReceiveStream(t.Client, 0, Big);
        t.ExpectClose(CloseReason.Closed);
    }

    [LinuxFact]
    public void Input_and_the_peers_end_arriving_while_output_is_blocked_are_read_once_it_drains()
    {
        using var t = new OutputSession();
        t.BlockOutput("big");
        Connection connection = t.Handler.Last!;
        ReactorClient.Send(t.Client, "next\n");
        t.Client.Shutdown(System.Net.Sockets.SocketShutdown.Send); // its FIN's edge, too, comes while the loop does not read
        Bounded.Until(() => OnLoop(connection, () => connection.ReadDeferred), "the loop saw the input arrive while blocked");
        ReceiveStream(t.Client, 0, Big);
        Assert.Equal("ok:next\n", ReactorClient.Receive(t.Client, 8));
        t.ExpectClose(CloseReason.PeerClosed);
    }

    [LinuxFact]
    public void Output_written_after_Close_while_earlier_output_is_owed_is_sent_before_the_close()
    {
        using var t = new OutputSession();
        ReactorClient.Send(t.Client, "wac\n"); // 65,526 bytes, Close, then 10 more: exactly the send buffer
        ReceiveStream(t.Client, 0, 65_536);
        t.ExpectClose(CloseReason.Closed);
    }

    [LinuxFact]
    public void A_four_byte_answer_is_sent_once()
    {
        using var t = new OutputSession();
        ReactorClient.Send(t.Client, "four\n");
        Assert.Equal("abcd", ReactorClient.Receive(t.Client, 4));
        ReactorClient.Send(t.Client, "x\n");
        Assert.Equal("ok:x\n", ReactorClient.Receive(t.Client, 5));
    }

    [LinuxFact]
    public void A_reset_while_output_is_pending_closes_the_connection_as_failed_and_its_slot_starts_clean()
    {
        var handler = new OutputHandler();
        using TcpReactor reactor = Start(handler);
        Socket reset = Connect(reactor);
        ReactorClient.Send(reset, $"big {Big}\n");
        Assert.True(handler.NextWritten());
        reset.LingerState = new LingerOption(true, 0); // close with RST
        reset.Dispose();
        Assert.Equal(CloseReason.Failed, handler.NextClose());

        using Socket next = Connect(reactor); // takes the freed slot: nothing of the old output may reach it
        ReactorClient.Send(next, "x\n");
        Assert.Equal("ok:x\n", ReactorClient.Receive(next, 5));
        ReactorClient.Send(next, "four\n");
        Assert.Equal("abcd", ReactorClient.Receive(next, 4));
    }

    [LinuxFact]
    public void A_close_with_unread_input_while_output_is_pending_lingers_after_the_output_drains()
    {
        using var t = new OutputSession();
        ReactorClient.Send(t.Client, $"bigclose {Big}\nunread"); // "unread" is never consumed: the close lingers
        Assert.True(t.Handler.NextWritten());
        ReceiveStream(t.Client, 0, Big);
        t.ExpectClose(CloseReason.Closed); // at the 2 s linger timeout, not the 60 s idle one
    }

    [LinuxTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_busy_connection_whose_output_drains_during_a_stop_is_answered_and_closes_at_once_not_at_the_deadline(bool requestWhileBlocked)
    {
        using var t = new OutputSession();
        t.Exchange(t.Client); // idle from now on
        using Socket busy = Connect(t.Reactor);
        ReactorClient.Send(busy, $"big {Big}\n");
        Assert.True(t.Handler.NextWritten());
        Connection connection = t.Handler.Last!;
        if (requestWhileBlocked)
        {
            ReactorClient.Send(busy, "next\n");
            Bounded.Until(() => OnLoop(connection, () => connection.ReadDeferred), "the loop saw the request arrive while blocked");
        }

        Task<bool> stop = Task.Run(() => t.Reactor.Stop(TimeSpan.FromSeconds(30)));
        Assert.Equal(CloseReason.Stopped, t.Handler.NextClose()); // the idle one: the stop has begun
        ReceiveStream(busy, 0, Big);
        if (requestWhileBlocked) Assert.Equal("ok:next\n", ReactorClient.Receive(busy, 8)); // read before the stop's close
        Assert.True(ReactorClient.SeesClose(busy)); // within the 10 s receive timeout, far before the 30 s deadline
        Assert.Equal(CloseReason.Stopped, t.Handler.NextClose());
        Assert.True(Bounded.Result(stop, "the stop did not return"));
    }

    [LinuxFact]
    public void Close_with_nothing_owed_and_nothing_unread_closes_at_once()
    {
        using var t = new OutputSession();
        ReactorClient.Send(t.Client, "now\n");
        Assert.Equal(CloseReason.Closed, t.Handler.NextClose());
        Assert.False(t.Handler.OpenAfterCloseNow()); // closed inside Close, not after a linger
        Assert.True(ReactorClient.SeesClose(t.Client));
    }

    [LinuxFact]
    public void GetSpan_and_Advance_keep_to_the_send_buffer()
    {
        using var t = new OutputSession();
        Connection c = t.Exchange(t.Client);
        OnLoop(c, () =>
        {
            Assert.Equal("sizeHint", Assert.Throws<ArgumentOutOfRangeException>(() => c.GetSpan(65_537)).ParamName);
            Assert.Equal(
                "Advance must follow a GetSpan of the same connection, with no other write between them",
                Assert.Throws<InvalidOperationException>(() => c.Advance(1)).Message);
            t.Handler.WriteStream(c, 65_530);
            Assert.True(c.GetSpan(100).Length >= 100, "a span shorter than its hint"); // 6 bytes were left: flushed first
            Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => c.Advance(65_537)).ParamName);
            t.Handler.WriteStream(c, 100);
            int room = c.GetSpan(1).Length;
            Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => c.Advance(room + 1)).ParamName);
            return 0;
        });
        ReceiveStream(t.Client, 0, 65_630);
    }

    [LinuxFact]
    public void Writes_to_two_connections_in_one_piece_of_work_each_reach_their_own_connection_in_order()
    {
        using var t = new OutputSession();
        Connection ca = t.Exchange(t.Client);
        using Socket b = Connect(t.Reactor);
        Connection cb = t.Exchange(b);
        OnLoop(ca, () =>
        {
            ca.Write("A1"u8);
            cb.Write("B1"u8);
            ca.Write("A2"u8);
            return 0;
        });
        Assert.Equal("A1A2", ReactorClient.Receive(t.Client, 4));
        Assert.Equal("B1", ReactorClient.Receive(b, 2));
    }

    [LinuxFact]
    public void Writes_while_output_is_pending_go_behind_it_even_once_the_socket_has_room_again()
    {
        using var t = new OutputSession();
        t.BlockOutput("big");
        Connection c = t.Handler.Last!;
        ReceiveStream(t.Client, 0, 1 << 20);
        Bounded.Until(() => OnLoop(c, () => c.PendingStart > 0), "the loop sent part of the pending output");

        // Hold the loop while the client takes everything the socket was given: the socket has room again, and the
        // pending output (now starting past its buffer's start) is still owed first.
        using var gate = new ManualResetEventSlim();
        var handedOver = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var total = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        c.Loop.Post(_ =>
        {
            handedOver.SetResult(c.State - (c.PendingEnd - c.PendingStart));
            Bounded.Wait(gate, "the client read what the socket held");
            t.Handler.WriteStream(c, c.Pending!.Length - c.PendingEnd + 70_000); // past the buffer's end: compacts or grows
            total.SetResult(c.State);
        }, null);
        long sent = Bounded.Result(handedOver.Task, "the loop did not run the posted work");
        ReceiveStream(t.Client, 1 << 20, sent - (1 << 20));
        gate.Set();
        long end = Bounded.Result(total.Task, "the posted writes did not finish");
        ReceiveStream(t.Client, sent, end - sent);
    }

    [LinuxFact]
    public void GetSpan_and_Advance_while_output_is_pending_keep_to_the_pending_buffer()
    {
        using var t = new OutputSession();
        t.BlockOutput("big");
        Connection c = t.Handler.Last!;
        OnLoop(c, () =>
        {
            int room = c.GetSpan(100).Length;
            Assert.True(room >= 100, "a span shorter than its hint");
            Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => c.Advance(room + 1)).ParamName);
            t.Handler.WriteStream(c, 1000);
            return 0;
        });
        ReceiveStream(t.Client, 0, Big + 1000);
    }

    [LinuxFact]
    public void A_greeting_written_as_the_connection_opens_is_sent_before_the_client_says_anything()
    {
        var handler = new OutputHandler { Greeting = "hello\n"u8.ToArray() };
        using TcpReactor reactor = Start(handler, deferAccept: false);
        using Socket s = Connect(reactor);
        Assert.Equal("hello\n", ReactorClient.Receive(s, 6));
    }

    [LinuxFact]
    public void A_connection_that_was_only_greeted_keeps_the_header_timeout_once_the_greeting_drains()
    {
        var handler = new OutputHandler { Greeting = new byte[8 << 20] }; // more than the socket pair buffers
        using TcpReactor reactor = Start(handler, deferAccept: false, headerTimeout: TimeSpan.FromSeconds(5));
        using Socket s = Connect(reactor);
        byte[] greeting = new byte[8 << 20];
        for (int have = 0; have < greeting.Length;)
        {
            int n = s.Receive(greeting, have, greeting.Length - have, SocketFlags.None);
            Assert.True(n > 0, $"the server closed after {have} bytes of the greeting");
            have += n;
        }
        Assert.True(handler.GreetingPending, "the greeting never blocked: the test did not reach the pending path");
        Assert.True(ReactorClient.SeesClose(s)); // at the 5 s header timeout, not the 60 s idle one
        Assert.Equal(CloseReason.TimedOut, handler.NextClose());
    }

    [LinuxFact]
    public void A_connection_on_descriptor_0_is_open()
    {
        var table = new ConnectionTable(null!);
        Assert.True(table.Take(fd: 0).IsOpen); // a server started with its standard input closed accepts onto 0
    }

    [LinuxFact]
    public void Partial_requests_in_steady_state_allocate_nothing_on_the_loop_thread()
    {
        var (reactor, _) = ReactorClient.Start(new ReactorOptions { Loops = 1 });
        using (reactor)
        using (Socket s = ReactorClient.Connect(reactor))
        {
            // Each round leaves "pi" unconsumed (an input buffer rented from the loop's pool) and then completes it
            // (the buffer returned): the pool, not the allocator, must serve the next round.
            void Rounds(int count)
            {
                for (int i = 0; i < count; i++)
                {
                    ReactorClient.Send(s, "ping\npi");
                    Assert.Equal("ok:ping\n", ReactorClient.Receive(s, 8));
                    ReactorClient.Send(s, "ng\n");
                    Assert.Equal("ok:ping\n", ReactorClient.Receive(s, 8));
                }
            }
            Rounds(500); // warm-up
            long before = AllocatedOnLoop(reactor.Loops[0]);
            Rounds(2_000);
            Assert.Equal(0, AllocatedOnLoop(reactor.Loops[0]) - before);
        }
    }

    private static long AllocatedOnLoop(EventLoop loop)
    {
        var read = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Post(state => ((TaskCompletionSource<long>)state!).SetResult(GC.GetAllocatedBytesForCurrentThread()), read);
        return Bounded.Result(read.Task, "the posted read did not run");
    }

    [LinuxFact]
    public void A_write_to_a_reset_peer_closes_the_connection_as_failed_and_its_slot_starts_clean()
    {
        var handler = new OutputHandler();
        using TcpReactor reactor = Start(handler);
        Socket reset = Connect(reactor);
        ReactorClient.Send(reset, "x\n");
        Assert.Equal("ok:x\n", ReactorClient.Receive(reset, 5));
        Connection c = handler.Last!;

        // The loop writes only after the reset came in, before it could read the reset: the send is what fails.
        using var gate = new ManualResetEventSlim();
        c.Loop.Post(_ =>
        {
            Bounded.Wait(gate, "the client reset");
            c.Write("late"u8);
        }, null);
        reset.LingerState = new LingerOption(true, 0); // close with RST
        reset.Dispose();
        gate.Set();
        Assert.Equal(CloseReason.Failed, handler.NextClose());

        using Socket next = Connect(reactor); // takes the freed slot: nothing of the old output may reach it
        ReactorClient.Send(next, "x\n");
        Assert.Equal("ok:x\n", ReactorClient.Receive(next, 5));
    }
}

using System.Net.Sockets;
using EventPoll.Reactor;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;
using static EventPoll.Tests.Reactor.OutputStream;

namespace EventPoll.Tests.Reactor;

/// <summary>
/// The reactor's output path (EventLoop.Output.cs): output the socket refuses waits in the connection's pending buffer
/// and goes out on EPOLLOUT, in order, before a requested close and before input read meanwhile is answered.
/// </summary>
public class ReactorOutputMutationTests
{
    private const long Big = 16 << 20; // far more than a loopback socket pair buffers for a client that does not read

    [LinuxTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_response_larger_than_the_socket_buffers_arrives_whole_and_in_order(bool deferAccept)
    {
        var handler = new OutputHandler();
        using TcpReactor reactor = Start(handler, deferAccept);
        using Socket s = Connect(reactor);
        ReactorClient.Send(s, $"big {Big}\n");
        Assert.True(handler.NextWritten(), "the output never blocked: the test did not reach the pending path");
        ReceiveStream(s, 0, Big);
        ReactorClient.Send(s, "after\n"); // reading resumed once the output drained
        Assert.Equal("ok:after\n", ReactorClient.Receive(s, 9));
        ReactorClient.Send(s, "bigclose 10\n"); // sent whole: nothing is left pending to hold the close back
        ReceiveStream(s, Big, 10);
        Assert.True(ReactorClient.SeesClose(s));
        Assert.Equal(CloseReason.Closed, handler.NextClose());
    }

    [LinuxFact]
    public void Close_while_output_is_pending_sends_all_of_it_then_closes()
    {
        var handler = new OutputHandler();
        using TcpReactor reactor = Start(handler);
        using Socket s = Connect(reactor);
        ReactorClient.Send(s, $"bigclose {Big}\n");
        Assert.True(handler.NextWritten());
        ReceiveStream(s, 0, Big);
        Assert.True(ReactorClient.SeesClose(s));
        Assert.Equal(CloseReason.Closed, handler.NextClose());
    }

    [LinuxFact]
    public void Input_and_the_peers_end_arriving_while_output_is_blocked_are_read_once_it_drains()
    {
        var handler = new OutputHandler();
        using TcpReactor reactor = Start(handler);
        using Socket s = Connect(reactor);
        ReactorClient.Send(s, $"big {Big}\n");
        Assert.True(handler.NextWritten());
        Connection connection = handler.Last!;
        ReactorClient.Send(s, "next\n");
        s.Shutdown(System.Net.Sockets.SocketShutdown.Send); // its FIN's edge, too, comes while the loop does not read
        Bounded.Until(() => OnLoop(connection, () => connection.ReadDeferred), "the loop saw the input arrive while blocked");
        ReceiveStream(s, 0, Big);
        Assert.Equal("ok:next\n", ReactorClient.Receive(s, 8));
        Assert.True(ReactorClient.SeesClose(s));
        Assert.Equal(CloseReason.PeerClosed, handler.NextClose());
    }

    [LinuxFact]
    public void Output_written_after_Close_while_earlier_output_is_owed_is_sent_before_the_close()
    {
        var handler = new OutputHandler();
        using TcpReactor reactor = Start(handler);
        using Socket s = Connect(reactor);
        ReactorClient.Send(s, "wac\n"); // 65,526 bytes, Close, then 10 more: exactly the send buffer
        ReceiveStream(s, 0, 65_536);
        Assert.True(ReactorClient.SeesClose(s));
        Assert.Equal(CloseReason.Closed, handler.NextClose());
    }

    [LinuxFact]
    public void A_four_byte_answer_is_sent_once()
    {
        var handler = new OutputHandler();
        using TcpReactor reactor = Start(handler);
        using Socket s = Connect(reactor);
        ReactorClient.Send(s, "four\n");
        Assert.Equal("abcd", ReactorClient.Receive(s, 4));
        ReactorClient.Send(s, "x\n");
        Assert.Equal("ok:x\n", ReactorClient.Receive(s, 5));
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
        var handler = new OutputHandler();
        using TcpReactor reactor = Start(handler);
        using Socket s = Connect(reactor);
        ReactorClient.Send(s, $"bigclose {Big}\nunread"); // "unread" is never consumed: the close lingers
        Assert.True(handler.NextWritten());
        ReceiveStream(s, 0, Big);
        Assert.True(ReactorClient.SeesClose(s)); // the server's FIN (shutdown), with the client's side still open
        Assert.Equal(CloseReason.Closed, handler.NextClose()); // at the 2 s linger timeout, not the 60 s idle one
    }

    [LinuxFact]
    public void A_busy_connection_whose_output_drains_during_a_stop_closes_at_once_not_at_the_deadline()
    {
        var handler = new OutputHandler();
        using TcpReactor reactor = Start(handler);
        using Socket idle = Connect(reactor);
        ReactorClient.Send(idle, "x\n");
        Assert.Equal("ok:x\n", ReactorClient.Receive(idle, 5));
        using Socket busy = Connect(reactor);
        ReactorClient.Send(busy, $"big {Big}\n");
        Assert.True(handler.NextWritten());

        Task<bool> stop = Task.Run(() => reactor.Stop(TimeSpan.FromSeconds(30)));
        Assert.Equal(CloseReason.Stopped, handler.NextClose()); // the idle one: the stop has begun
        ReceiveStream(busy, 0, Big);
        Assert.True(ReactorClient.SeesClose(busy)); // within the 10 s receive timeout, far before the 30 s deadline
        Assert.Equal(CloseReason.Stopped, handler.NextClose());
        Assert.True(Bounded.Result(stop, "the stop did not return"));
    }

    [LinuxFact]
    public void Close_with_nothing_owed_and_nothing_unread_closes_at_once()
    {
        var handler = new OutputHandler();
        using TcpReactor reactor = Start(handler);
        using Socket s = Connect(reactor);
        ReactorClient.Send(s, "now\n");
        Assert.Equal(CloseReason.Closed, handler.NextClose());
        Assert.False(handler.OpenAfterCloseNow()); // closed inside Close, not after a linger
        Assert.True(ReactorClient.SeesClose(s));
    }

    [LinuxFact]
    public void GetSpan_and_Advance_keep_to_the_send_buffer()
    {
        var handler = new OutputHandler();
        using TcpReactor reactor = Start(handler);
        using Socket s = Connect(reactor);
        ReactorClient.Send(s, "x\n");
        Assert.Equal("ok:x\n", ReactorClient.Receive(s, 5));
        Connection c = handler.Last!;
        OnLoop(c, () =>
        {
            Assert.Equal("sizeHint", Assert.Throws<ArgumentOutOfRangeException>(() => c.GetSpan(65_537)).ParamName);
            Assert.Equal(
                "Advance must follow a GetSpan of the same connection, with no other write between them",
                Assert.Throws<InvalidOperationException>(() => c.Advance(1)).Message);
            handler.WriteStream(c, 65_530);
            Assert.True(c.GetSpan(100).Length >= 100, "a span shorter than its hint"); // 6 bytes were left: flushed first
            Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => c.Advance(65_537)).ParamName);
            handler.WriteStream(c, 100);
            int room = c.GetSpan(1).Length;
            Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => c.Advance(room + 1)).ParamName);
            return 0;
        });
        ReceiveStream(s, 0, 65_630);
    }

    [LinuxFact]
    public void Writes_to_two_connections_in_one_piece_of_work_each_reach_their_own_connection_in_order()
    {
        var handler = new OutputHandler();
        using TcpReactor reactor = Start(handler);
        using Socket a = Connect(reactor);
        ReactorClient.Send(a, "x\n");
        Assert.Equal("ok:x\n", ReactorClient.Receive(a, 5));
        Connection ca = handler.Last!;
        using Socket b = Connect(reactor);
        ReactorClient.Send(b, "y\n");
        Assert.Equal("ok:y\n", ReactorClient.Receive(b, 5));
        Connection cb = handler.Last!;
        OnLoop(ca, () =>
        {
            ca.Write("A1"u8);
            cb.Write("B1"u8);
            ca.Write("A2"u8);
            return 0;
        });
        Assert.Equal("A1A2", ReactorClient.Receive(a, 4));
        Assert.Equal("B1", ReactorClient.Receive(b, 2));
    }

    [LinuxFact]
    public void Writes_while_output_is_pending_go_behind_it_even_once_the_socket_has_room_again()
    {
        var handler = new OutputHandler();
        using TcpReactor reactor = Start(handler);
        using Socket s = Connect(reactor);
        ReactorClient.Send(s, $"big {Big}\n");
        Assert.True(handler.NextWritten());
        Connection c = handler.Last!;
        ReceiveStream(s, 0, 1 << 20);
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
            handler.WriteStream(c, c.Pending!.Length - c.PendingEnd + 70_000); // past the buffer's end: compacts or grows
            total.SetResult(c.State);
        }, null);
        long sent = Bounded.Result(handedOver.Task, "the loop did not run the posted work");
        ReceiveStream(s, 1 << 20, sent - (1 << 20));
        gate.Set();
        long end = Bounded.Result(total.Task, "the posted writes did not finish");
        ReceiveStream(s, sent, end - sent);
    }

    [LinuxFact]
    public void GetSpan_and_Advance_while_output_is_pending_keep_to_the_pending_buffer()
    {
        var handler = new OutputHandler();
        using TcpReactor reactor = Start(handler);
        using Socket s = Connect(reactor);
        ReactorClient.Send(s, $"big {Big}\n");
        Assert.True(handler.NextWritten());
        Connection c = handler.Last!;
        OnLoop(c, () =>
        {
            int room = c.GetSpan(100).Length;
            Assert.True(room >= 100, "a span shorter than its hint");
            Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => c.Advance(room + 1)).ParamName);
            handler.WriteStream(c, 1000);
            return 0;
        });
        ReceiveStream(s, 0, Big + 1000);
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

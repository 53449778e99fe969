using System.Net.Sockets;
using EventPoll.Reactor;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;
using static EventPoll.Tests.Reactor.ReactorObserve;

namespace EventPoll.Tests.Reactor;

/// <summary>The input path (EventLoop.Io.cs): accepting, handler faults, what is kept between reads, which timer applies.</summary>
public class ReactorInputMutationTests
{
    [LinuxFact]
    public void A_throwing_OnOpened_is_reported_and_aborts_the_connection()
    {
        var thrown = new InvalidOperationException("no");
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1, DeferAccept = false }) { Opened = _ => throw thrown };
        using Socket s = probe.Connect();
        Assert.Same(thrown, probe.NextFailure());
        Assert.Equal(CloseReason.Aborted, probe.NextClose().Reason);
        Assert.Equal(0, s.Receive(new byte[8])); // closed without an answer
    }

    [LinuxFact]
    public void A_throwing_OnReceived_is_reported_and_aborts_the_connection()
    {
        var thrown = new InvalidOperationException("no");
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1 }) { Receive = (_, _) => throw thrown };
        using Socket s = probe.Connect();
        Send(s, "x\n");
        Assert.Same(thrown, probe.NextFailure());
        Assert.Equal(CloseReason.Aborted, probe.NextClose().Reason);
        Assert.Equal(0, s.Receive(new byte[8]));
    }

    [LinuxFact]
    public void A_handler_consuming_more_than_it_received_is_reported_and_aborted()
    {
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1 }) { Receive = (_, received) => received.Length + 5 };
        using Socket s = probe.Connect();
        Send(s, "abcd");
        Exception failure = probe.NextFailure();
        Assert.IsType<InvalidOperationException>(failure);
        Assert.Equal("the handler consumed 9 of 4 bytes", failure.Message);
        Assert.Equal(CloseReason.Aborted, probe.NextClose().Reason);
        Assert.Equal(0, s.Receive(new byte[8]));
    }

    [LinuxFact]
    public void A_throwing_OnClosed_is_reported()
    {
        var thrown = new InvalidOperationException("no");
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1, DeferAccept = false }) { Closed = (_, _) => throw thrown };
        using (Socket s = probe.Connect()) probe.NextOpen();
        Assert.Equal(CloseReason.PeerClosed, probe.NextClose().Reason);
        Assert.Same(thrown, probe.NextFailure());
    }

    [LinuxFact]
    public void A_connection_that_sends_nothing_is_closed_by_the_header_timeout()
    {
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1, DeferAccept = false, HeaderTimeout = TimeSpan.FromMilliseconds(200) });
        using Socket s = probe.Connect();
        Assert.Equal(CloseReason.TimedOut, probe.NextClose().Reason);
        Assert.Equal(0, s.Receive(new byte[8]));
    }

    [LinuxTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void After_a_complete_request_the_idle_timeout_applies_not_the_longer_header_one(bool deferAccept)
    {
        using var probe = new ReactorProbe(new ReactorOptions
        {
            Loops = 1, DeferAccept = deferAccept, HeaderTimeout = TimeSpan.FromMinutes(5), IdleTimeout = TimeSpan.FromMilliseconds(200),
        });
        using Socket s = probe.Connect();
        Send(s, "one\n");
        Assert.Equal("ok:one\n", ReceiveText(s, 7));
        Send(s, "two\n"); // on the registered connection: its event is the batch's first entry
        Assert.Equal("ok:two\n", ReceiveText(s, 7));
        Assert.Equal(CloseReason.TimedOut, probe.NextClose().Reason);
        Assert.Equal(0, s.Receive(new byte[8]));
    }

    [LinuxFact]
    public void A_partial_request_after_an_answered_one_is_timed_by_the_header_timeout()
    {
        using var probe = new ReactorProbe(new ReactorOptions
        {
            Loops = 1, HeaderTimeout = TimeSpan.FromMilliseconds(300), IdleTimeout = TimeSpan.FromMinutes(5),
        });
        using Socket s = probe.Connect();
        Send(s, "one\n");
        Assert.Equal("ok:one\n", ReceiveText(s, 7));
        Send(s, "tw");
        Assert.Equal(CloseReason.TimedOut, probe.NextClose().Reason);
    }

    [LinuxFact]
    public void A_request_split_over_reads_leaves_nothing_behind_for_the_next_one()
    {
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1 });
        using Socket s = probe.Connect();
        Send(s, "pi");
        Assert.Equal("pi", probe.NextReceived());
        Send(s, "ng\n");
        Assert.Equal("ok:ping\n", ReceiveText(s, 8));
        Send(s, "x\n");
        Assert.Equal("ok:x\n", ReceiveText(s, 5));
    }

    [LinuxFact]
    public void A_line_longer_than_the_input_limit_that_arrives_whole_is_answered_also_after_an_earlier_request()
    {
        // The limit is on input kept unconsumed between reads; a complete exchange must not leave a (small) input
        // buffer behind that the next read would go into.
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1, MaxUnconsumedInput = 1024 });
        using Socket s = probe.Connect();
        Send(s, "a\n");
        Assert.Equal("ok:a\n", ReceiveText(s, 5));
        string line = new string('x', 1500) + "\n";
        Send(s, line);
        Assert.Equal("ok:" + line, ReceiveText(s, line.Length + 3));
    }

    [LinuxFact]
    public void Unconsumed_input_exactly_at_the_limit_is_kept()
    {
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1, MaxUnconsumedInput = 1024, HeaderTimeout = TimeSpan.FromMilliseconds(300) });
        using Socket s = probe.Connect();
        s.Send(new byte[1024]);
        Assert.Equal(CloseReason.TimedOut, probe.NextClose().Reason); // not InputTooLong
    }

    [LinuxFact]
    public void A_byte_past_a_full_input_buffer_closes_the_connection_as_input_too_long()
    {
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1, MaxUnconsumedInput = 1024 });
        using Socket s = probe.Connect();
        s.Send(new byte[1024]);
        Assert.Equal(1024, probe.NextReceived().Length); // kept: the buffer is full
        s.Send(new byte[1]);
        Assert.Equal(CloseReason.InputTooLong, probe.NextClose().Reason);
    }

    [LinuxFact]
    public void A_request_and_the_peers_end_in_one_event_are_answered_and_the_end_is_seen()
    {
        // After a hangup no further edge comes: the read must go on to the end of stream after a short read.
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1, DeferAccept = false });
        using Socket s = probe.Connect();
        int fd = probe.NextOpen().Fd;
        using (probe.Hold())
        {
            Send(s, "bye\n");
            s.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            Bounded.Until(() => EventPoll.Interop.LinuxSyscalls.PollOne(fd, PollRdHup, 0) > 0, "the peer's end did not reach the server socket");
        }
        Assert.Equal("ok:bye\n", ReceiveText(s, 7));
        Assert.Equal(CloseReason.PeerClosed, probe.NextClose().Reason);
    }

    [LinuxFact]
    public void A_read_that_fills_the_buffer_is_followed_by_another_since_only_a_short_read_drains_the_socket()
    {
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1, DeferAccept = false, MaxUnconsumedInput = 1024 });
        using Socket s = probe.Connect();
        int fd = probe.NextOpen().Fd;
        Send(s, "a");
        Assert.Equal("a", probe.NextReceived()); // kept: the next read goes into the 1,023 bytes left of the input buffer
        string line = new string('x', 1021) + "\n";
        using (probe.Hold())
        {
            Send(s, line + "b\n"); // 1,024 bytes: the read fills the buffer and leaves "\n" in the socket, with no edge to come
            Bounded.Until(() => Unread(fd) == 1024, "the bytes did not reach the server socket");
        }
        Assert.Equal("ok:a" + line + "ok:b\n", ReceiveText(s, 4 + line.Length + 5));
    }

    [LinuxFact]
    public void A_reset_is_reported_as_failed()
    {
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1 });
        Socket s = probe.Connect();
        Send(s, "half");
        Assert.Equal("half", probe.NextReceived());
        s.LingerState = new LingerOption(true, 0);
        s.Dispose();
        Assert.Equal(CloseReason.Failed, probe.NextClose().Reason);
    }

    [LinuxFact]
    public void A_one_request_deferred_accept_connection_is_answered_and_closed_without_an_epoll_registration()
    {
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1, DeferAccept = true });
        EventPoll.Interop.KernelPoller kernel = probe.Loop.Instance.Kernel!;
        long before = kernel.CtlCalls;
        using Socket s = probe.Connect();
        Send(s, "close\n");
        Assert.Equal("ok:close\n", ReceiveText(s, 9));
        Assert.Equal(CloseReason.Closed, probe.NextClose().Reason);
        Assert.Equal(before, kernel.CtlCalls);
    }
}

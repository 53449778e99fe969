using System.Net.Sockets;
using EventPoll.Reactor;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;
using static EventPoll.Tests.Reactor.ReactorObserve;

namespace EventPoll.Tests.Reactor;

/// <summary>The event loop itself (EventLoop.cs): posted work, lookups, the wait's timeout, the stop.</summary>
public class ReactorLoopMutationTests
{
    [LinuxFact]
    public void Post_of_null_work_is_refused_naming_the_parameter()
    {
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1 });
        Assert.Equal("work", Assert.Throws<ArgumentNullException>(() => probe.Loop.Post(null!, null)).ParamName);
    }

    [LinuxFact]
    public void A_handler_factory_returning_null_fails_the_start_with_its_sentence()
    {
        var options = new ReactorOptions { Loops = 1, EndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0) };
        var ex = Assert.Throws<InvalidOperationException>(() => new TcpReactor(options, _ => null!));
        Assert.Equal("the handler factory returned null", ex.Message);
    }

    [LinuxFact]
    public void The_loop_thread_is_a_background_thread_so_it_never_keeps_the_process_alive()
    {
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1 });
        Assert.True(probe.OnLoop(() => Thread.CurrentThread.IsBackground));
    }

    [LinuxFact]
    public void Posted_work_that_throws_is_reported_and_the_loop_goes_on()
    {
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1 });
        var thrown = new InvalidOperationException("posted work failed");
        probe.Loop.Post(_ => throw thrown, null);
        Assert.Same(thrown, probe.NextFailure());
        Assert.Equal(1, probe.OnLoop(() => 1));
    }

    [LinuxFact]
    public void Find_names_the_open_connection_only_on_its_own_loop()
    {
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1 });
        using Socket s = probe.ConnectAnswered("x\n", out ConnectionId id);
        Assert.True(probe.OnLoop(() => probe.Loop.Find(id)?.Id == id));
        var elsewhere = new ConnectionId(id.Loop + 1, id.Slot, id.Generation); // same slot and generation, another loop's
        Assert.True(probe.OnLoop(() => probe.Loop.Find(elsewhere) is null));
    }

    [LinuxFact]
    public void Output_written_by_posted_work_is_sent_when_the_work_returns()
    {
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1 });
        using Socket s = probe.ConnectAnswered("x\n", out ConnectionId id);
        probe.Loop.Post(_ => probe.Loop.Find(id)!.Write("pushed\n"u8), null);
        Assert.Equal("pushed\n", ReceiveText(s, 7));
    }

    [LinuxFact]
    public void An_idle_loop_whose_connections_closed_blocks_in_the_kernel_without_a_timeout()
    {
        // Every way a connection ends here (a plain close after the answer, an abort by the handler, a reset mid-request)
        // must take it off the timer lists: a stale entry would make the loop's next wait a finite one (epoll_pwait2).
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1, DeferAccept = false })
        {
            Receive = (c, received) =>
            {
                if (!received.SequenceEqual("abort\n"u8)) return ReactorProbe.AnswerLines(c, received);
                c.Abort();
                return received.Length;
            },
        };
        int tid = LoopThread(probe);
        using (Socket s = probe.Connect())
        {
            Send(s, "x\nclose\n");
            Assert.Equal("ok:x\nok:close\n", ReceiveText(s, 14));
            Assert.Equal(CloseReason.Closed, probe.NextClose().Reason);
        }
        probe.NextReceived();
        AssertBlocksWithoutTimeout(tid);
        using (Socket s = probe.Connect())
        {
            Send(s, "abort\n");
            Assert.Equal(CloseReason.Aborted, probe.NextClose().Reason);
        }
        probe.NextReceived();
        AssertBlocksWithoutTimeout(tid);
        Socket reset = probe.Connect();
        Send(reset, "half");
        Assert.Equal("half", probe.NextReceived());
        reset.LingerState = new LingerOption(true, 0);
        reset.Dispose();
        Assert.Equal(CloseReason.Failed, probe.NextClose().Reason);
        AssertBlocksWithoutTimeout(tid);
    }

    private static void AssertBlocksWithoutTimeout(int tid)
    {
        (int number, long timeout) = NextBlockedWait(tid);
        Assert.True(number is 232 or 281 && timeout == -1, $"the loop waits in system call {number} with timeout argument {timeout}");
    }

    [LinuxFact]
    public void A_deadline_that_passed_while_a_handler_ran_is_expired_without_waiting_for_another_event()
    {
        var gate = new ManualResetEventSlim();
        long acceptedAt = 0;
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1, DeferAccept = false, HeaderTimeout = TimeSpan.FromMilliseconds(300) })
        {
            Opened = c => Interlocked.CompareExchange(ref acceptedAt, c.Loop.Now, 0),
            Receive = (c, received) =>
            {
                Assert.True(gate.Wait(Bounded.Limit));
                return ReactorProbe.AnswerLines(c, received);
            },
        };
        using Socket waiting = probe.Connect();
        ConnectionId waitingId = probe.NextOpen().Id;
        using Socket busy = probe.Connect();
        probe.NextOpen();
        Send(busy, "slow\n");
        Assert.Equal("slow\n", probe.NextReceived()); // the loop is in the handler now
        Bounded.Until(() => Environment.TickCount64 > Interlocked.Read(ref acceptedAt) + 400, "the first connection's header deadline did not pass");
        gate.Set();
        Assert.Equal("ok:slow\n", ReceiveText(busy, 8));
        Assert.Equal((waitingId, CloseReason.TimedOut), probe.NextClose());
    }
}

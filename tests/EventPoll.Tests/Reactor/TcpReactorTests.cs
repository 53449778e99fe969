using System.Net.Sockets;
using EventPoll.Reactor;
using EventPoll.Tests.Traces;
using Xunit;
using static EventPoll.Tests.Reactor.ReactorClient;

namespace EventPoll.Tests.Reactor;

public class TcpReactorTests
{
    [LinuxTheory]
    [InlineData(AcceptMode.ReusePort, true)]
    [InlineData(AcceptMode.ReusePort, false)]
    [InlineData(AcceptMode.SharedExclusive, true)]
    [InlineData(AcceptMode.SharedExclusive, false)]
    public void Every_connection_is_answered_in_order_in_both_accept_modes(AcceptMode mode, bool deferAccept)
    {
        var (reactor, _) = Start(new ReactorOptions { Loops = 2, Accept = mode, DeferAccept = deferAccept });
        using (reactor)
        {
            var sockets = Enumerable.Range(0, 32).Select(_ => Connect(reactor)).ToArray();
            for (int round = 0; round < 3; round++)
            {
                for (int i = 0; i < sockets.Length; i++) Send(sockets[i], $"{i}-{round}\n");
                for (int i = 0; i < sockets.Length; i++)
                {
                    string expected = $"ok:{i}-{round}\n";
                    Assert.Equal(expected, Receive(sockets[i], expected.Length));
                }
            }
            foreach (Socket s in sockets) s.Dispose();
        }
    }

    [LinuxFact]
    public void Pipelined_requests_and_a_request_split_over_sends_are_answered_in_order()
    {
        var (reactor, _) = Start(new ReactorOptions { Loops = 1 });
        using (reactor)
        using (Socket s = Connect(reactor))
        {
            Send(s, "a\nb\nc");
            Assert.Equal("ok:a\nok:b\n", Receive(s, 10));
            Send(s, "d\n");
            Assert.Equal("ok:cd\n", Receive(s, 6));
        }
    }

    [LinuxFact]
    public void Close_after_the_answer_sends_it_then_closes()
    {
        var (reactor, events) = Start(new ReactorOptions { Loops = 1 });
        using (reactor)
        using (Socket s = Connect(reactor))
        {
            Send(s, "x\nclose\n");
            Assert.Equal("ok:x\nok:close\n", Receive(s, 14));
            Assert.True(SeesClose(s));
            Assert.Equal(CloseReason.Closed, events.NextClose());
        }
    }

    [LinuxFact]
    public void Close_with_unread_input_lingers_so_the_answer_arrives_before_an_orderly_end_not_a_reset()
    {
        var (reactor, events) = Start(new ReactorOptions { Loops = 1 });
        using (reactor)
        using (Socket s = Connect(reactor))
        {
            // A megabyte behind the request: the server closes while most of it is still on its way or in its kernel
            // buffer, where close(2) alone would answer it with a reset (a send or receive here would then throw).
            s.Send([.. "x\nclose\n"u8, .. new byte[1 << 20]]);
            Assert.Equal("ok:x\nok:close\n", Receive(s, 14));
            Assert.Equal(0, s.Receive(new byte[16])); // end of stream; a reset would throw here
            s.Shutdown(System.Net.Sockets.SocketShutdown.Send);         // the peer's end: the lingering server closes now
            Assert.Equal(CloseReason.Closed, events.NextClose());
        }
    }

    [LinuxFact]
    public void Header_timeout_closes_a_client_that_never_finishes_its_request()
    {
        var (reactor, events) = Start(new ReactorOptions { Loops = 1, HeaderTimeout = TimeSpan.FromMilliseconds(200) });
        using (reactor)
        using (Socket slow = Connect(reactor))
        using (Socket healthy = Connect(reactor))
        {
            Send(slow, "partial");
            Assert.True(SeesClose(slow));
            Assert.Equal(CloseReason.TimedOut, events.NextClose());
            Send(healthy, "still here\n"); // the other connection, on the same loop, is unaffected
            Assert.Equal("ok:still here\n", Receive(healthy, 14));
        }
    }

    [LinuxFact]
    public void Idle_timeout_closes_a_connection_between_requests()
    {
        var (reactor, events) = Start(new ReactorOptions { Loops = 1, IdleTimeout = TimeSpan.FromMilliseconds(200) });
        using (reactor)
        using (Socket s = Connect(reactor))
        {
            Send(s, "one\n");
            Assert.Equal("ok:one\n", Receive(s, 7));
            Assert.True(SeesClose(s));
            Assert.Equal(CloseReason.TimedOut, events.NextClose());
        }
    }

    [LinuxFact]
    public void A_reset_mid_request_closes_only_that_connection()
    {
        var (reactor, events) = Start(new ReactorOptions { Loops = 1 });
        using (reactor)
        using (Socket healthy = Connect(reactor))
        {
            Socket reset = Connect(reactor);
            Send(reset, "half a requ");
            reset.LingerState = new LingerOption(true, 0); // close with RST
            reset.Dispose();
            Assert.Contains(events.NextClose(), new[] { CloseReason.Failed, CloseReason.PeerClosed });
            Send(healthy, "after\n");
            Assert.Equal("ok:after\n", Receive(healthy, 9));
        }
    }

    [LinuxFact]
    public void A_half_close_after_a_request_still_gets_the_answer()
    {
        var (reactor, events) = Start(new ReactorOptions { Loops = 1 });
        using (reactor)
        using (Socket s = Connect(reactor))
        {
            Send(s, "bye\n");
            s.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            Assert.Equal("ok:bye\n", Receive(s, 7));
            Assert.True(SeesClose(s));
            Assert.Equal(CloseReason.PeerClosed, events.NextClose());
        }
    }

    [LinuxFact]
    public void Input_past_the_limit_without_a_complete_request_resets_the_connection()
    {
        var (reactor, events) = Start(new ReactorOptions { Loops = 1, MaxUnconsumedInput = 1024 });
        using (reactor)
        using (Socket s = Connect(reactor))
        {
            s.Send(new byte[4096]); // no newline: the line handler never consumes it
            Assert.True(SeesClose(s));
            Assert.Equal(CloseReason.InputTooLong, events.NextClose());
        }
    }

    [LinuxFact]
    public void Post_runs_the_work_on_the_loop_thread_and_wakes_a_loop_blocked_in_the_kernel()
    {
        var (reactor, events) = Start(new ReactorOptions { Loops = 2 });
        using (reactor)
        {
            foreach (EventLoop loop in reactor.Loops)
            {
                var ran = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
                loop.Post(state => ((TaskCompletionSource<string?>)state!).SetResult(Thread.CurrentThread.Name), ran);
                Assert.True(ran.Task.Wait(TimeSpan.FromSeconds(10)), "the posted work did not run within 10 s");
                Assert.Equal($"EventPoll loop {loop.Index}", ran.Task.Result);
            }
        }
    }

    [LinuxFact]
    public void Post_to_a_loop_blocked_in_the_kernel_costs_one_eventfd_write_and_to_a_running_loop_none()
    {
        var (reactor, _) = Start(new ReactorOptions { Loops = 1 });
        using (reactor)
        {
            EventLoop loop = reactor.Loops[0];
            EventPoll.Interop.KernelPoller kernel = loop.Instance.Kernel!; // made by the listener's registration
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!kernel.HasLeader) // the loop has nothing to do: it blocks in epoll_wait
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the idle loop never blocked in the kernel");
                Thread.Yield();
            }
            long before = kernel.SignalWrites;
            var asleep = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            loop.Post(state => ((TaskCompletionSource)state!).SetResult(), asleep);
            Assert.True(asleep.Task.Wait(TimeSpan.FromSeconds(10)), "the post did not wake the loop");
            Assert.Equal(1, kernel.SignalWrites - before);

            // From the loop's own thread, while it runs: 100 posts, no system call (the loop is not in the kernel). The
            // window starts once this thread's post of the first item has returned (its own signal write counted).
            using var gate = new ManualResetEventSlim();
            long start = 0;
            var awake = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            loop.Post(_ =>
            {
                Assert.True(gate.Wait(TimeSpan.FromSeconds(10)));
                int ran = 0;
                for (int i = 0; i < 100; i++) loop.Post(_ => { if (++ran == 100) awake.SetResult(kernel.SignalWrites); }, null);
            }, null);
            start = kernel.SignalWrites;
            gate.Set();
            Assert.True(awake.Task.Wait(TimeSpan.FromSeconds(10)), "the posts from the loop did not run");
            Assert.Equal(start, awake.Task.Result);
        }
    }

    [LinuxFact]
    public void Stop_closes_idle_connections_at_once_and_busy_ones_at_the_deadline()
    {
        var (reactor, events) = Start(new ReactorOptions { Loops = 1 });
        using Socket idle = Connect(reactor);
        using Socket busy = Connect(reactor);
        Send(idle, "done\n");
        Assert.Equal("ok:done\n", Receive(idle, 8));
        Send(busy, "unfinished");
        Send(idle, "x\n"); // make sure the loop read the busy one's bytes: it serves sockets in arrival order, one thread
        Assert.Equal("ok:x\n", Receive(idle, 5));
        Assert.True(reactor.Stop(TimeSpan.FromMilliseconds(300)));
        Assert.True(SeesClose(idle));
        Assert.True(SeesClose(busy));
        Assert.Equal(new[] { CloseReason.Stopped, CloseReason.Stopped }, new[] { events.NextClose(), events.NextClose() });
        Assert.Throws<SocketException>(() => Connect(reactor)); // nothing listens any more
    }

    [LinuxFact]
    public void Requests_in_steady_state_allocate_nothing_on_the_loop_thread()
    {
        var (reactor, _) = Start(new ReactorOptions { Loops = 1 });
        using (reactor)
        using (Socket s = Connect(reactor))
        {
            byte[] request = "ping\n"u8.ToArray();
            var reply = new byte[8];
            void Exchange(int count)
            {
                for (int i = 0; i < count; i++)
                {
                    s.Send(request);
                    for (int have = 0; have < reply.Length;) have += s.Receive(reply, have, reply.Length - have, SocketFlags.None);
                }
            }
            Exchange(5_000); // warm-up: the loop's first requests compile its methods and fill its pools
            long before = AllocatedOnLoopThread(reactor.Loops[0]);
            Exchange(20_000);
            long after = AllocatedOnLoopThread(reactor.Loops[0]);
            Assert.Equal(0, after - before);
        }
    }

    private static long AllocatedOnLoopThread(EventLoop loop)
    {
        var read = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Post(state => ((TaskCompletionSource<long>)state!).SetResult(GC.GetAllocatedBytesForCurrentThread()), read);
        Assert.True(read.Task.Wait(TimeSpan.FromSeconds(10)), "the posted read did not run within 10 s");
        return read.Task.Result;
    }
}

using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using EventPoll.Interop;
using EventPoll.Reactor;
using EventPoll.Tests.Mutation;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;
using static EventPoll.Tests.Reactor.ReactorClient;

namespace EventPoll.Tests.Reactor;

/// <summary>How a reactor binds its port (sharing it, refusing it, taking it back) and how its stop ends.</summary>
public partial class ReactorStartStopTests
{
    [LinuxTheory]
    [InlineData(AcceptMode.SharedExclusive, AcceptMode.SharedExclusive)]
    [InlineData(AcceptMode.SharedExclusive, AcceptMode.ReusePort)]
    [InlineData(AcceptMode.ReusePort, AcceptMode.SharedExclusive)]
    public void A_second_reactor_on_a_port_in_use_is_refused_with_eaddrinuse_naming_the_address_and_bind(AcceptMode first, AcceptMode second)
    {
        using TcpReactor listening = Serve(On(0, first));
        Refusal.Assert(Errno.EADDRINUSE, $"EADDRINUSE: the reactor could not listen on 127.0.0.1:{listening.Port} (bind)",
            () => Serve(On(listening.Port, second)).Dispose());
    }

    [LinuxFact]
    public void Two_reactors_in_reuse_port_mode_share_a_port_and_either_answers()
    {
        using TcpReactor first = Serve(On(0, AcceptMode.ReusePort));
        using TcpReactor second = Serve(On(first.Port, AcceptMode.ReusePort));
        Assert.Equal(first.Port, second.Port);
        using Socket client = Connect(second);
        Send(client, "hi\n");
        Assert.Equal("ok:hi\n", Receive(client, 6));
    }

    [LinuxFact]
    public void A_reactor_restarted_on_its_port_binds_it_while_a_connection_it_closed_still_holds_the_port()
    {
        TcpReactor first = Serve(On(0, AcceptMode.SharedExclusive));
        int port = first.Port;
        using (Socket client = Connect(first))
        {
            Send(client, "close\n"); // the server closes first: its end of the connection stays in TIME_WAIT on the port
            Assert.Equal("ok:close\n", Receive(client, 9));
            Assert.True(SeesClose(client));
        }
        Assert.True(first.Stop(TimeSpan.Zero));
        using TcpReactor again = Serve(On(port, AcceptMode.SharedExclusive)); // SO_REUSEADDR lets it bind past TIME_WAIT
        Assert.Equal(port, again.Port);
    }

    [LinuxFact]
    public void Accepted_connections_have_nagle_turned_off()
    {
        var noDelay = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var reactor = new TcpReactor(On(0, AcceptMode.SharedExclusive), _ => new NoDelayProbe(noDelay));
        using Socket client = Connect(reactor);
        Send(client, "x\n");
        Assert.Equal(1, Bounded.Result(noDelay.Task, "the connection was not opened"));
    }

    [LinuxTheory]
    [InlineData(AcceptMode.ReusePort)]
    [InlineData(AcceptMode.SharedExclusive)]
    public void A_second_stop_returns_true_and_does_nothing(AcceptMode mode)
    {
        TcpReactor reactor = Serve(On(0, mode, loops: 2));
        Assert.True(reactor.Stop(TimeSpan.Zero));
        Assert.True(reactor.Stop(TimeSpan.Zero));
        reactor.Dispose();
    }

    /// <summary>
    /// Takes 5 s (the join's margin past the grace). The reactor cannot close its shared listener while a loop still
    /// watches it, and no later stop does (Stop is idempotent), so the listener stays open for the process's life.
    /// </summary>
    [LinuxFact]
    public void Stop_returns_false_when_a_handler_blocks_its_loop_past_the_grace_and_the_shared_listener_stays_open()
    {
        // Not disposed: the loop thread may still be returning from the gate's Wait when the test ends.
        var entered = new ManualResetEventSlim();
        var gate = new ManualResetEventSlim();
        var reactor = new TcpReactor(On(0, AcceptMode.SharedExclusive), _ => new BlockingHandler(entered, gate));
        try
        {
            using Socket busy = Connect(reactor);
            Send(busy, "x\n");
            Bounded.Wait(entered, "the handler was not called");
            Assert.False(reactor.Stop(TimeSpan.Zero));
            using Socket late = Connect(reactor); // refused if the listener had been closed
        }
        finally
        {
            gate.Set();
        }
    }

    private static ReactorOptions On(int port, AcceptMode mode, int loops = 1)
        => new() { EndPoint = new IPEndPoint(IPAddress.Loopback, port), Accept = mode, Loops = loops };

    private static TcpReactor Serve(ReactorOptions options) => new(options, _ => new LineHandler(new ReactorEvents()));

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static unsafe partial int GetSockOpt(int fd, int level, int name, int* value, int* length);

    /// <summary>Reports the accepted socket's TCP_NODELAY as the connection opens.</summary>
    private sealed class NoDelayProbe(TaskCompletionSource<int> noDelay) : IConnectionHandler
    {
        public unsafe void OnOpened(Connection connection)
        {
            int value = -1, length = sizeof(int);
            int r = GetSockOpt(connection.Fd, SocketCalls.IpProtoTcp, SocketCalls.TcpNoDelay, &value, &length);
            if (r == 0) noDelay.SetResult(value);
            else noDelay.SetException(new InvalidOperationException($"getsockopt TCP_NODELAY failed: errno {Marshal.GetLastPInvokeError()}"));
        }

        public int OnReceived(Connection connection, ReadOnlySpan<byte> received) => received.Length;
    }

    /// <summary>Blocks its loop in the first receive until the gate opens.</summary>
    private sealed class BlockingHandler(ManualResetEventSlim entered, ManualResetEventSlim gate) : IConnectionHandler
    {
        public int OnReceived(Connection connection, ReadOnlySpan<byte> received)
        {
            entered.Set();
            gate.Wait(Bounded.Limit);
            return received.Length;
        }
    }
}

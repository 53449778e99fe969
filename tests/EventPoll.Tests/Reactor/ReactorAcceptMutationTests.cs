using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using EventPoll.Reactor;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;
using static EventPoll.Tests.Reactor.ReactorObserve;

namespace EventPoll.Tests.Reactor;

/// <summary>The accept round (EventLoop.Io.cs): one listener event takes a bounded number of connections.</summary>
public class ReactorAcceptMutationTests
{
    [LinuxFact]
    public void One_accept_round_takes_32_connections_then_the_ready_connection_is_served_before_the_rest()
    {
        var log = new ConcurrentQueue<string>();
        using var probe = new ReactorProbe(new ReactorOptions { Loops = 1, DeferAccept = false })
        {
            Opened = _ => log.Enqueue("open"),
            Receive = (c, received) =>
            {
                log.Enqueue("receive");
                return ReactorProbe.AnswerLines(c, received);
            },
        };
        using Socket ready = probe.Connect();
        int readyFd = probe.NextOpen().Fd;
        log.Clear();
        var waiting = new List<Socket>();
        try
        {
            using (probe.Hold())
            {
                // The kernel's ready list now gets the listener first, then the ready connection: one batch.
                for (int i = 0; i < 40; i++) waiting.Add(probe.Connect());
                Bounded.Until(() => AcceptQueue(probe.Reactor.Port) == 40, "the 40 connections did not reach the accept queue");
                Send(ready, "x\n");
                Bounded.Until(() => Unread(readyFd) == 2, "the request did not reach the server socket");
            }
            Assert.Equal("ok:x\n", ReceiveText(ready, 5));
            for (int i = 0; i < 40; i++) probe.NextOpen();
            Assert.Equal(32, log.TakeWhile(e => e == "open").Count());
            Assert.Equal(41, log.Count);
        }
        finally
        {
            foreach (Socket s in waiting) s.Dispose();
        }
    }

    /// <summary>Connections waiting in the accept queue of the IPv4 loopback listener on <paramref name="port"/> (/proc/net/tcp: a LISTEN socket's rx_queue).</summary>
    private static int AcceptQueue(int port)
    {
        string local = $"0100007F:{port:X4}";
        foreach (string line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f[1] == local && f[3] == "0A") return int.Parse(f[4].Split(':')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }
        return -1;
    }
}

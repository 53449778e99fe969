using System.Net;
using EventPoll.Interop;
using EventPoll.Reactor;
using EventPoll.Tests.Traces;
using Xunit;
using static EventPoll.Tests.Reactor.ReactorDescriptorTests;

namespace EventPoll.Tests.Reactor;

/// <summary>
/// The descriptors a reactor opens and closes around a failed start and a stop: counted in /proc/self/fd, or moved
/// (descriptor 0), so these run alone in the descriptor collection.
/// </summary>
[Collection(ReactorDescriptorsCollection.Name)]
public class ReactorStartFailureTests
{
    [LinuxTheory]
    [InlineData(AcceptMode.ReusePort)]
    [InlineData(AcceptMode.SharedExclusive)]
    public void A_start_whose_handler_factory_throws_rethrows_it_frees_the_loops_made_and_leaves_no_descriptor_open(AcceptMode mode)
    {
        var failure = new InvalidOperationException("no handler for loop 1");
        var made = new List<EventLoop>();
        Dictionary<string, string> before = Settled();
        Exception thrown = Assert.Throws<InvalidOperationException>(() => new TcpReactor(On(mode, loops: 2), loop =>
        {
            made.Add(loop);
            return loop.Index == 1 ? throw failure : new LineHandler(new ReactorEvents());
        }));
        Assert.Same(failure, thrown);
        Assert.True(made[0].Instance.IsFreed, "the first loop's instance was not freed");
        Assert.True(made[1].Instance.IsFreed, "the instance of the loop whose handler factory threw was not freed");
        AssertNoneLeft(before);
    }

    [LinuxFact]
    public void A_start_refused_for_a_port_in_use_closes_the_socket_it_made()
    {
        using var listening = new TcpReactor(On(AcceptMode.SharedExclusive, loops: 1), Lines);
        Dictionary<string, string> before = Settled();
        Assert.Throws<EpollException>(() => new TcpReactor(On(AcceptMode.SharedExclusive, loops: 1, listening.Port), Lines));
        AssertNoneLeft(before);
    }

    [LinuxTheory]
    [InlineData(AcceptMode.ReusePort)]
    [InlineData(AcceptMode.SharedExclusive)]
    public void Stop_closes_no_descriptor_the_reactor_did_not_open(AcceptMode mode)
    {
        string[] standard = StandardStreams();
        var reactor = new TcpReactor(On(mode, loops: 2), Lines);
        Assert.True(reactor.Stop(TimeSpan.Zero));
        Assert.Equal(standard, StandardStreams());
    }

    [LinuxFact]
    public void Stop_closes_a_shared_listener_that_got_descriptor_0()
    {
        new TcpReactor(On(AcceptMode.SharedExclusive, loops: 1), Lines).Dispose(); // warm-up: nothing opens a file between the close of 0 and the listen below
        int saved = LinuxSyscalls.Dup(0);
        Assert.True(saved >= 0);
        try
        {
            Assert.Equal(0, LinuxSyscalls.Close(0));
            var reactor = new TcpReactor(On(AcceptMode.SharedExclusive, loops: 1), Lines);
            Assert.StartsWith("socket:", Target(0));
            Assert.True(reactor.Stop(TimeSpan.Zero));
            Assert.Null(Target(0));
        }
        finally
        {
            LinuxSyscalls.Dup2(saved, 0);
            LinuxSyscalls.Close(saved);
        }
    }

    private static ReactorOptions On(AcceptMode mode, int loops, int port = 0)
        => new() { EndPoint = new IPEndPoint(IPAddress.Loopback, port), Accept = mode, Loops = loops };

    private static IConnectionHandler Lines(EventLoop loop) => new LineHandler(new ReactorEvents());

    private static string[] StandardStreams() => [.. Enumerable.Range(0, 3).Select(fd => Target(fd) ?? "closed")];

    /// <summary>What descriptor <paramref name="fd"/> names (readlink of /proc/self/fd/N), null when it is closed.</summary>
    private static string? Target(int fd)
    {
        try
        {
            return new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }
}

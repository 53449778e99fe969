using System.Net;
using EventPoll.Reactor;
using EventPoll.Tests.Misuse;
using EventPoll.Tests.Mutation;
using EventPoll.Tests.Traces;
using Xunit;
using static EventPoll.Tests.Reactor.ReactorDescriptorTests;

namespace EventPoll.Tests.Reactor;

/// <summary>A reactor started with too few descriptor numbers left (RLIMIT_NOFILE lowered, so these run alone).</summary>
[Collection(ProcessLimitCollection.Name)]
public class ReactorDescriptorLimitTests
{
    [LinuxFact]
    public void A_start_with_no_descriptor_left_is_refused_with_emfile_naming_the_address_and_socket()
    {
        DescriptorsLeft.Run(0, () => Refusal.Assert(Errno.EMFILE, "EMFILE: the reactor could not listen on 127.0.0.1:0 (socket)",
            () => new TcpReactor(On(AcceptMode.SharedExclusive), Lines).Dispose()));
    }

    /// <summary>
    /// The loop's instance cannot make its kernel epoll for the listener (the listener took the one number left): the
    /// start fails in the loop's Start and still closes the listener and frees the loop.
    /// </summary>
    [LinuxTheory]
    [InlineData(AcceptMode.ReusePort)]
    [InlineData(AcceptMode.SharedExclusive)]
    public void A_start_whose_loop_cannot_watch_its_listener_frees_the_loop_and_leaves_no_descriptor_open(AcceptMode mode)
    {
        var made = new List<EventLoop>();
        Dictionary<string, string> before = Settled();
        DescriptorsLeft.Run(1, () =>
        {
            var e = Assert.Throws<EpollException>(() => new TcpReactor(On(mode, loops: 1), loop =>
            {
                made.Add(loop);
                return new LineHandler(new ReactorEvents());
            }).Dispose());
            Assert.Equal(Errno.EMFILE, e.Errno);
            Assert.StartsWith("EMFILE: the loop could not watch its listening socket (epoll_ctl ADD, OS descriptor ", e.Message, StringComparison.Ordinal);
        });
        Assert.True(Assert.Single(made).Instance.IsFreed, "the loop's instance was not freed");
        AssertNoneLeft(before);
    }

    private static ReactorOptions On(AcceptMode mode, int loops = 2) => new() { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), Accept = mode, Loops = loops };

    private static IConnectionHandler Lines(EventLoop loop) => new LineHandler(new ReactorEvents());
}

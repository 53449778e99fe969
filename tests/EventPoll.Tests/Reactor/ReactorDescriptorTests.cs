using System.Net.Sockets;
using EventPoll.Reactor;
using EventPoll.Tests.Traces;
using Xunit;
using static EventPoll.Tests.Reactor.ReactorClient;

namespace EventPoll.Tests.Reactor;

/// <summary>Counts /proc/self/fd, so it runs alone (no other test opens descriptors meanwhile).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReactorDescriptorsCollection
{
    public const string Name = "ReactorDescriptors";
}

[Collection(ReactorDescriptorsCollection.Name)]
public class ReactorDescriptorTests
{
    [LinuxTheory]
    [InlineData(AcceptMode.ReusePort)]
    [InlineData(AcceptMode.SharedExclusive)]
    public void Stop_leaves_no_descriptor_open(AcceptMode mode)
    {
        int before = Directory.GetFiles("/proc/self/fd").Length;
        var (reactor, _) = Start(new ReactorOptions { Loops = 2, Accept = mode });
        var sockets = Enumerable.Range(0, 8).Select(_ => Connect(reactor)).ToArray();
        foreach (Socket s in sockets) Send(s, "hi\n");
        foreach (Socket s in sockets) Assert.Equal("ok:hi\n", Receive(s, 6));
        Send(sockets[0], "partial");
        Assert.True(reactor.Stop(TimeSpan.FromMilliseconds(200)));
        foreach (Socket s in sockets) s.Dispose();
        Assert.Equal(before, Directory.GetFiles("/proc/self/fd").Length);
    }
}

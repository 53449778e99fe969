using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Os;

/// <summary>Tests that count the process's kernel epolls and io_urings (descriptors and mappings) run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessRingsCollection
{
    public const string Name = "process io_urings and kernel epolls";
}

/// <summary>
/// The readiness ring lives and dies with its instance's kernel side: no descriptor or mapping is left behind, and
/// instances that never take a kernel's turn that finds nothing (OS descriptors only, in-process sources only) make none.
/// </summary>
[Collection(ProcessRingsCollection.Name)]
public sealed class ReadinessRingLifetimeTests
{
    internal const string Ring = "anon_inode:[io_uring]", KernelEpoll = "anon_inode:[eventpoll]";

    /// <summary>How many of the process's descriptors are <paramref name="kind"/>.</summary>
    internal static int Descriptors(string kind) => Directory.GetFiles("/proc/self/fd").Count(fd =>
    {
        try
        {
            return File.ResolveLinkTarget(fd, returnFinalTarget: false)?.FullName.EndsWith(kind, StringComparison.Ordinal) == true;
        }
        catch (IOException)
        {
            return false; // closed since it was listed (the listing's own descriptor, say)
        }
    });

    /// <summary>How many of the process's mappings are of an io_uring.</summary>
    internal static int RingMappings() => File.ReadLines("/proc/self/maps").Count(line => line.EndsWith(Ring, StringComparison.Ordinal));

    [RingFact]
    public void ManyMixedInstances_MadeUntilTheirRingIsArmed_AndDisposed_LeaveNoDescriptorOrMapping()
    {
        EngineAccess.QuiescedLiveInstances(); // instances other tests dropped are closed by now
        (int rings, int epolls, int mappings) = (Descriptors(Ring), Descriptors(KernelEpoll), RingMappings());
        var table = new DescriptorTable();
        var one = new EpollEvent[1];
        for (int cycle = 0; cycle < 200; cycle++)
        {
            using var ep = new Epoll(table);
            using var inProcess = new EventFd(1, table: table);
            using var os = OsFd.EventFd();
            ep.Add(inProcess, EpollEvents.In, 1);
            ep.Add(os, EpollEvents.In, 2);
            for (int i = 0; i <= Eventpoll.MinOsFairnessBound; i++) Assert.Equal(1, ep.Wait(one, 0));
            Assert.True(EngineAccess.Instance(ep).Kernel!.RingArmed);
            if (cycle == 0) Assert.Equal((rings + 1, mappings + 2), (Descriptors(Ring), RingMappings()));
        }
        Assert.Equal((rings, epolls, mappings), (Descriptors(Ring), Descriptors(KernelEpoll), RingMappings()));
    }

    [RingFact]
    public void InstancesWithOneKindOfSource_MakeNoRing()
    {
        var table = new DescriptorTable();
        var one = new EpollEvent[1];
        using var osOnly = new Epoll(table);
        using var os = OsFd.EventFd(1);
        osOnly.Add(os, EpollEvents.In, 1);
        using var inProcessOnly = new Epoll(table);
        using var inProcess = new EventFd(1, table: table);
        inProcessOnly.Add(inProcess, EpollEvents.In, 2);
        for (int i = 0; i < 1_000; i++)
        {
            Assert.Equal(1, osOnly.Wait(one, 0));
            Assert.Equal(1, inProcessOnly.Wait(one, 0));
        }
        Assert.Equal((0, 0L), (EngineAccess.Instance(osOnly).KernelTurns, EngineAccess.Instance(osOnly).Kernel!.RingSystemCalls));
        Assert.Null(EngineAccess.Instance(inProcessOnly).Kernel);
    }
}

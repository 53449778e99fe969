using EventPoll.Trace;
using Xunit;

namespace EventPoll.Tests.Traces;

/// <summary>The os and mixed backends: one number space over both sides, calls routed to the side of their descriptor.</summary>
[Collection(nameof(TraceCorpusCollection))]
public class OsBackendTests
{
    private const int Add = 1;

    [LinuxFact]
    public void Numbers_are_the_lowest_free_over_both_sides()
    {
        using OsBackend backend = OsBackend.Mixed(0); // "local" is in-process, "osfd" in the OS
        Assert.Equal(0, backend.EventFd("osfd", 0, false));
        Assert.Equal(1, backend.EpollCreate());
        Assert.Equal(2, backend.EventFd("local", 0, false));
        Assert.Equal(0, backend.Close(0));
        Assert.Equal(0, backend.Dup(2));
        Assert.Equal(0, backend.Close(1));
        Assert.Equal(1, backend.Dup(0));
    }

    [LinuxFact]
    public void A_ctl_whose_epfd_is_an_OS_source_is_the_kernels()
    {
        using OsBackend backend = OsBackend.AllOs();
        int source = backend.EventFd("e", 0, false);
        int ep = backend.EpollCreate();
        Assert.Equal(-(int)Errno.EINVAL, backend.Ctl(source, Add, ep, EpollEvents.In, 0));
        Assert.Equal(-(int)Errno.EINVAL, backend.Ctl(source, Add, source, EpollEvents.In, 0));
        Assert.Equal(-(int)Errno.EBADF, backend.Ctl(source, Add, -1, EpollEvents.In, 0));
    }

    [LinuxFact]
    public void Fdinfo_names_OS_registrations_by_their_trace_numbers()
    {
        using OsBackend backend = OsBackend.AllOs();
        int ep = backend.EpollCreate();
        int source = backend.EventFd("e", 0, false);
        Assert.Equal(0, backend.Ctl(ep, Add, source, EpollEvents.In, 7));
        var items = new List<FdInfoItem>();
        Assert.Equal(0, backend.FdInfo(ep, items));
        Assert.Equal([new FdInfoItem(source, EpollEvents.In | EpollEvents.Err | EpollEvents.Hup, 7)], items);
    }

    [LinuxFact]
    public void Waits_say_how_many_events_came_from_the_kernel()
    {
        using OsBackend backend = OsBackend.Mixed(0);
        int ep = backend.EpollCreate();
        int os = backend.EventFd("osfd", 1, false);
        int local = backend.EventFd("local", 0, false);
        Assert.Equal(0, backend.Ctl(ep, Add, os, EpollEvents.In, 1));
        Assert.Equal(0, backend.Ctl(ep, Add, local, EpollEvents.In, 2));
        var events = new EpollEvent[2];
        Assert.Equal(1, backend.Wait(ep, 2, 0, events));
        Assert.Equal(new BatchOrigin(1, KernelAsked: true, BothKinds: true), backend.LastBatch);

        Assert.Equal(8, backend.Write(local, BitConverter.GetBytes(1UL)));
        Assert.Equal(1, backend.Wait(ep, 2, 0, events)); // in-process events found: the kernel is not asked
        Assert.Equal(new BatchOrigin(0, KernelAsked: false, BothKinds: true), backend.LastBatch);
    }

    [LinuxFact]
    public void Dispose_closes_every_OS_descriptor()
    {
        int before = Directory.GetFiles("/proc/self/fd").Length;
        using (OsBackend backend = OsBackend.AllOs())
        {
            TraceRunner.Run(TraceParser.Parse("t", "epoll ep\neventfd a\npipe r w\nsocketpair s t\ndup d r\nctl ep add a IN\nctl ep add r IN"), backend);
            Assert.True(Directory.GetFiles("/proc/self/fd").Length > before);
        }

        Assert.Equal(before, Directory.GetFiles("/proc/self/fd").Length);
    }

    [Fact]
    public void The_mixed_rule_places_by_name_and_seed()
    {
        Assert.False(MixedPlacement.InOs("local", 0)); // the corpus's nest-* traces rely on these two
        Assert.True(MixedPlacement.InOs("osfd", 0));
        string[] names = [.. Enumerable.Range(0, 200).Select(i => $"n{i}")];
        int inOs = names.Count(n => MixedPlacement.InOs(n, 7));
        Assert.InRange(inOs, 70, 130);
        Assert.NotEqual(names.Select(n => MixedPlacement.InOs(n, 7)), names.Select(n => MixedPlacement.InOs(n, 8)));
    }
}

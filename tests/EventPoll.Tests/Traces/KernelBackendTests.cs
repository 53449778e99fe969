using EventPoll.Trace;
using Xunit;

namespace EventPoll.Tests.Traces;

[Collection(nameof(TraceCorpusCollection))]
public class KernelBackendTests
{
    [LinuxTheory]
    [InlineData("eventfd a\npipe r w\nsocketpair s t\nepoll ep\ndup d r\nclose w\nctl ep add a IN")]
    public void Dispose_closes_every_descriptor_it_created(string text)
    {
        int before = Directory.GetFiles("/proc/self/fd").Length;
        using (var backend = new KernelBackend())
        {
            TraceRunner.Run(TraceParser.Parse("t", text), backend);
            Assert.True(Directory.GetFiles("/proc/self/fd").Length > before);
        }

        Assert.Equal(before, Directory.GetFiles("/proc/self/fd").Length);
    }

    [LinuxTheory]
    [InlineData(3, 3, 3)]
    [InlineData(178956971, 3, -22)]
    [InlineData(0, 0, -22)]
    public void Wait_passes_maxevents_through(int maxEvents, int bufferLength, int expected)
    {
        using var backend = new KernelBackend();
        int ep = ReadyInstance(backend);
        Assert.Equal(expected, backend.Wait(ep, maxEvents, 0, new EpollEvent[bufferLength]));
    }

    [LinuxFact]
    public void Wait_refuses_to_return_more_events_than_the_buffer_holds()
    {
        using var backend = new KernelBackend();
        int ep = ReadyInstance(backend);
        Assert.Throws<InvalidOperationException>(() => backend.Wait(ep, 3, 0, new EpollEvent[1]));
    }

    private static int ReadyInstance(KernelBackend backend)
    {
        int ep = backend.EpollCreate();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(0, backend.Ctl(ep, 1, backend.EventFd("e", 1, false), EpollEvents.In, (ulong)i));
        }

        return ep;
    }
}

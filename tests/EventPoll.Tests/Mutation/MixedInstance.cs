using EventPoll.Interop;
using EventPoll.Tests.Os;
using Microsoft.Win32.SafeHandles;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// An instance whose in-process eventfd is always ready (data 1) and whose OS eventfd stays idle (data 2): every wait
/// reports the in-process event, and every kernel's turn finds the kernel epoll quiet, which is when a readiness ring
/// is made and armed.
/// </summary>
internal sealed class MixedInstance : IDisposable
{
    private readonly EventFd _inProcess;
    private readonly SafeFileHandle _os;

    internal MixedInstance(DescriptorTable table)
    {
        Ep = new Epoll(table);
        _inProcess = new EventFd(1, table: table);
        _os = OsFd.EventFd();
        Ep.Add(_inProcess, EpollEvents.In, 1);
        Ep.Add(_os, EpollEvents.In, 2);
    }

    internal Epoll Ep { get; }

    internal Eventpoll Instance => Outcome.Engine(Ep);

    internal KernelPoller Kernel => Instance.Kernel!;

    /// <summary>In-process waits up to the first kernel's turn (the last of them), which finds the OS eventfd idle.</summary>
    internal void ToTheFirstKernelsTurn() => InProcessWaits(Eventpoll.MinOsFairnessBound + 1);

    /// <summary><paramref name="count"/> waits, each reporting the in-process eventfd.</summary>
    internal void InProcessWaits(int count)
    {
        var one = new EpollEvent[1];
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(1, Ep.Wait(one, 0));
            Assert.Equal(1ul, one[0].Data);
        }
    }

    public void Dispose()
    {
        Ep.Dispose();
        _os.Dispose();
        _inProcess.Dispose();
    }
}

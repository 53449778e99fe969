using EventPoll.Interop;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Os;

/// <summary>
/// An instance with a kernel side held in its watcher's kernel epoll under several descriptors (dups), as the kernel
/// holds one file under several: each a registration of its own, woken in the kernel's order.
/// </summary>
public sealed class OsNestingDupTests : IDisposable
{
    private const int Add = Posix.EPOLL_CTL_ADD, Del = Posix.EPOLL_CTL_DEL;

    private readonly Posix _px = new(new DescriptorTable());
    private readonly int _readable = LinuxSyscalls.EventFd(1, Posix.O_NONBLOCK | Posix.O_CLOEXEC); // an OS eventfd, readable

    [LinuxFact]
    public void EachDescriptor_IsAKernelRegistrationOfItsOwn()
    {
        int outer = _px.EpollCreate1(0), inner = _px.EpollCreate1(0), inner2 = _px.Dup(inner);
        Assert.Equal(0, _px.EpollCtl(outer, Add, inner, new EpollEvent(EpollEvents.In, 1)));
        Assert.Equal(0, _px.EpollCtlOs(inner, Add, _readable, new EpollEvent(EpollEvents.In, 3))); // outer holds inner in its kernel now
        Assert.Equal(0, _px.EpollCtl(outer, Add, inner2, new EpollEvent(EpollEvents.In, 2))); // the kernel must not see the same key twice

        var events = new EpollEvent[4];
        Assert.Equal(2, _px.EpollWait(outer, events, 4, 0));
        Assert.Equal(0, _px.EpollCtl(outer, Del, inner, null));
        Assert.Equal(1, _px.EpollWait(outer, events, 4, 0));
        Assert.Equal(2ul, events[0].Data);
    }

    [LinuxFact]
    public void RegistrationsMovedIntoTheKernel_AreWokenInTheKernelsOrder()
    {
        int outer = _px.EpollCreate1(0), inner = _px.EpollCreate1(0), inner2 = _px.Dup(inner);
        Assert.Equal(0, _px.EpollCtl(outer, Add, inner, new EpollEvent(EpollEvents.In, 1)));
        Assert.Equal(0, _px.EpollCtl(outer, Add, inner2, new EpollEvent(EpollEvents.In, 2)));
        Assert.Equal(0, _px.EpollCtlOs(inner, Add, _readable, new EpollEvent(EpollEvents.In, 3))); // moves both, then wakes them

        var events = new EpollEvent[4];
        Assert.Equal(2, _px.EpollWait(outer, events, 4, 0));
        Assert.Equal([2ul, 1ul], events.Take(2).Select(e => e.Data)); // the kernel wakes a file's newest waiter first
    }

    public void Dispose()
    {
        foreach (int fd in _px.Table.OpenDescriptors()) _px.Close(fd);
        LinuxSyscalls.Close(_readable);
    }
}

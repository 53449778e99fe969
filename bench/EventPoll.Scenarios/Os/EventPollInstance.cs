using System.Runtime.CompilerServices;
using EventPoll.Interop;
using Microsoft.Win32.SafeHandles;

namespace EventPoll.Scenarios.Os;

/// <summary>EventPoll as a user calls it: an <see cref="Epoll"/> handle given the OS descriptors' SafeHandles.</summary>
internal sealed class EventPollInstance : OsInstance
{
    private readonly DescriptorTable _table = new(DescriptorTable.MaxLimit);
    private readonly Epoll _epoll;

    internal EventPollInstance() => _epoll = new Epoll(_table, new WatchAccount(long.MaxValue));

    internal override Epoll InProcess => _epoll;

    /// <summary>The instance's kernel side (for its system-call counters), made on its first OS registration.</summary>
    internal KernelPoller? Kernel
    {
        get
        {
            Api.EpollApi.Check(Syscalls.PinInstance(_table, _epoll.Fd, out Eventpoll? instance), "pin the instance");
            instance!.Release(); // the handle keeps the instance open
            return instance.Kernel;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // see OsInstance
    internal override void Add(SafeFileHandle os, EpollEvents events, ulong data) => _epoll.Add(os, events, data);

    [MethodImpl(MethodImplOptions.NoInlining)] // see OsInstance
    internal override void Delete(SafeFileHandle os) => _epoll.Delete(os);

    [MethodImpl(MethodImplOptions.NoInlining)] // see OsInstance
    internal override int Wait(Span<EpollEvent> events, int timeoutMs) => _epoll.Wait(events, timeoutMs);

    public override void Dispose() => _epoll.Dispose();
}

using System.Runtime.CompilerServices;
using EventPoll.Interop;
using EventPoll.Scenarios.Api;
using Microsoft.Win32.SafeHandles;

namespace EventPoll.Scenarios.Os;

/// <summary>A kernel epoll called directly: epoll_ctl and epoll_wait through P/Invoke, as C# code without EventPoll would.</summary>
internal sealed class KernelInstance : OsInstance
{
    private readonly int _epfd = (int)EpollApi.Check(LinuxSyscalls.EpollCreate1(Posix.EPOLL_CLOEXEC), "epoll_create1");

    internal override Epoll? InProcess => null;

    [MethodImpl(MethodImplOptions.NoInlining)] // see OsInstance
    internal override void Add(SafeFileHandle os, EpollEvents events, ulong data) =>
        EpollApi.Check(LinuxSyscalls.EpollCtl(_epfd, Posix.EPOLL_CTL_ADD, OsEventFd.Fd(os), new EpollEvent(events, data)), "epoll_ctl ADD");

    [MethodImpl(MethodImplOptions.NoInlining)] // see OsInstance
    internal override void Delete(SafeFileHandle os) =>
        EpollApi.Check(LinuxSyscalls.EpollCtlNull(_epfd, Posix.EPOLL_CTL_DEL, OsEventFd.Fd(os)), "epoll_ctl DEL");

    [MethodImpl(MethodImplOptions.NoInlining)] // see OsInstance
    internal override int Wait(Span<EpollEvent> events, int timeoutMs) =>
        (int)EpollApi.Check(LinuxSyscalls.EpollWait(_epfd, events, events.Length, timeoutMs), "epoll_wait");

    public override void Dispose() => LinuxSyscalls.Close(_epfd);
}

namespace EventPoll.Interop;

/// <summary>
/// The kernel's checks of an OS descriptor that epoll_ctl makes before it looks at the epoll descriptor's type
/// (EBADF for a closed number, EPERM for a file without poll support), for a call whose epoll descriptor is not an
/// instance: Linux reports those before EINVAL, and only the kernel knows them. It asks a private kernel epoll.
/// </summary>
internal static class OsDescriptorCheck
{
    private const int CtlAdd = 1, CtlDel = 2, EpollCloExec = 0x80000;

    private static readonly Lazy<int> s_probe = new(() => LinuxSyscalls.EpollCreate1(EpollCloExec));

    /// <summary>0 when the kernel would accept <paramref name="osFd"/> as an epoll target, else its <c>-errno</c> (EBADF, EPERM, ...).</summary>
    internal static int Probe(int osFd) => Probe(s_probe.Value, osFd);

    /// <summary>
    /// <see cref="Probe(int)"/> through the kernel epoll <paramref name="probe"/> (a <c>-errno</c> when it could not be
    /// made). Another thread's probe of the same descriptor may hold it there for a moment: EEXIST, an acceptance.
    /// </summary>
    internal static int Probe(int probe, int osFd)
    {
        if (probe < 0) return probe;
        int added = LinuxSyscalls.EpollCtl(probe, CtlAdd, osFd, new EpollEvent(EpollEvents.In, 0));
        if (added == 0) LinuxSyscalls.EpollCtlNull(probe, CtlDel, osFd);
        return added == -(int)Errno.EEXIST ? 0 : added;
    }
}

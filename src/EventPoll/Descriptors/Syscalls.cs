using System.Text;
using EventPoll.Interop;

namespace EventPoll;

/// <summary>
/// The system-call layer over a <see cref="DescriptorTable"/>: descriptor lookup, then the engine. Every call
/// returns a value or <c>-errno</c>; Posix turns that into C-style errno and the handle API
/// into exceptions, so both faces share one path.
/// </summary>
internal static class Syscalls
{
    /// <summary>epoll_create1 without flag validation: installs a new instance.</summary>
    internal static int EpollCreate(DescriptorTable table, WatchAccount account) => table.Install(new Eventpoll(account));

    /// <summary>epoll_ctl: EFAULT for a missing event (except DEL), EBADF for either descriptor, then <see cref="Eventpoll.Ctl"/>.</summary>
    internal static int EpollCtl(DescriptorTable table, int epfd, int op, int fd, EpollEvent? ev)
    {
        if (op != (int)EpollOp.Del && ev is null) return -(int)Errno.EFAULT; // only the POSIX facade can omit it
        using var epFilePin = new PinnedFile(table, epfd);
        if (epFilePin.File is not OpenFile epFile) return Failure.Of(Errno.EBADF, $"the epoll descriptor {epfd} is not open");
        using var targetPin = new PinnedFile(table, fd);
        if (targetPin.File is not OpenFile target) return NotOpen();
        EpollEvent e = ev.GetValueOrDefault();
        return Eventpoll.Ctl(epFile, op, target, fd, (uint)e.Events, e.Data);
    }

    /// <summary>
    /// epoll_ctl of an OS descriptor (<paramref name="osFd"/> is a number of the process's descriptor table, not of
    /// <paramref name="table"/>): EFAULT for a missing event (except DEL), EBADF for <paramref name="epfd"/>, then the
    /// kernel's checks of the OS descriptor (EBADF, EPERM) before EINVAL for an <paramref name="epfd"/> that is not an
    /// instance (Linux's order), then <see cref="Eventpoll.CtlOs"/>, whose errors are the kernel's.
    /// </summary>
    internal static int EpollCtlOs(DescriptorTable table, int epfd, int op, int osFd, EpollEvent? ev)
    {
        if (op != (int)EpollOp.Del && ev is null) return -(int)Errno.EFAULT; // only the POSIX facade can omit it
        using var epFilePin = new PinnedFile(table, epfd);
        if (epFilePin.File is not OpenFile epFile) return -(int)Errno.EBADF; // only the POSIX facade names an epoll by number here
        if (epFile is not Eventpoll ep)
        {
            int checkedFd = OsDescriptorCheck.Probe(osFd);
            return checkedFd < 0 ? checkedFd : NotAnEpoll();
        }
        return CtlOs(ep, op, osFd, ev.GetValueOrDefault());
    }

    /// <summary>
    /// epoll_ctl of an OS descriptor on an instance the caller holds (the Epoll handle's path, and the tail of
    /// <see cref="EpollCtlOs"/>): <see cref="Eventpoll.CtlOs"/>, then for an ADD the wakeup-path limits through the
    /// instances that watch <paramref name="ep"/> (EINVAL, the OS descriptor taken back).
    /// </summary>
    internal static int CtlOs(Eventpoll ep, int op, int osFd, EpollEvent e)
    {
        int result = ep.CtlOs(op, osFd, (uint)e.Events, e.Data);
        if (result < 0 || op != (int)EpollOp.Add || LoopCheck.OsLeafWithinLimits(ep)) return result;
        // Linux's ep_insert attaches the new item, counts the paths, and takes the item back when there are too many.
        ep.CtlOs((int)EpollOp.Del, osFd, 0, 0);
        return Failure.Of(Errno.EINVAL, "the OS descriptor would be reached by too many wakeup paths through nested instances");
    }

    /// <summary>
    /// epoll_wait: EBADF, then EINVAL for maxevents, then EFAULT when <paramref name="checkBuffer"/> and the
    /// buffer is shorter than maxevents (the kernel's access_ok; a managed span cannot be overrun), then EINVAL
    /// for a non-epoll descriptor (Linux's order). Without the buffer check at most <paramref name="events"/>.Length
    /// events are returned: callers that pass false size the buffer to cover every possible result.
    /// </summary>
    internal static int EpollWait(DescriptorTable table, int epfd, Span<EpollEvent> events, int maxEvents, long timeoutMs,
        WaitCancellation cancellation, bool checkBuffer = true)
    {
        using var filePin = new PinnedFile(table, epfd);
        if (filePin.File is not OpenFile file) return NotOpen();
        if (maxEvents <= 0 || maxEvents > Eventpoll.MaxEvents) return Eventpoll.InvalidMaxEvents(maxEvents);
        if (checkBuffer && maxEvents > events.Length)
            return -(int)Errno.EFAULT; // only the POSIX facade checks the buffer
        if (file is not Eventpoll ep) return NotAnEpoll();
        return ep.Wait(events, maxEvents, timeoutMs, in cancellation);
    }

    /// <summary>EBADF for a descriptor that is not open, saying so.</summary>
    internal static int NotOpen() => Failure.Of(Errno.EBADF, "the descriptor is not open");

    /// <summary>EINVAL for an epoll call on a descriptor that is not an epoll instance, saying so.</summary>
    internal static int NotAnEpoll() => Failure.Of(Errno.EINVAL, "the descriptor is not an epoll instance");

    /// <summary>read(2).</summary>
    internal static long Read(DescriptorTable table, int fd, Span<byte> buffer)
    {
        using var filePin = new PinnedFile(table, fd);
        if (filePin.File is not OpenFile file) return NotOpen();
        return file.Read(buffer);
    }

    /// <summary>write(2).</summary>
    internal static long Write(DescriptorTable table, int fd, ReadOnlySpan<byte> data)
    {
        using var filePin = new PinnedFile(table, fd);
        if (filePin.File is not OpenFile file) return NotOpen();
        return file.Write(data);
    }

    /// <summary>shutdown(2): EBADF, ENOTSOCK, EINVAL for an unknown <paramref name="how"/>.</summary>
    internal static int Shutdown(DescriptorTable table, int fd, int how)
    {
        using var filePin = new PinnedFile(table, fd);
        if (filePin.File is not OpenFile file) return NotOpen();
        return file.Shutdown(how);
    }

    /// <summary>timerfd_settime with relative times: 0, -EBADF, or -EINVAL for a descriptor that is not a timerfd.</summary>
    internal static int TimerFdSetTime(DescriptorTable table, int fd, TimeSpan initial, TimeSpan interval)
    {
        using var filePin = new PinnedFile(table, fd);
        if (filePin.File is not OpenFile file) return NotOpen();
        return file is TimerFdFile timer ? timer.SetTime(initial, interval) : Failure.Of(Errno.EINVAL, "the descriptor is not a timerfd");
    }

    /// <summary>The current readiness of one descriptor as poll(2) reports it; EPOLLNVAL for a closed one, 0 for a negative one.</summary>
    internal static EpollEvents PollNow(DescriptorTable table, int fd, EpollEvents requested)
    {
        if (fd < 0) return EpollEvents.None; // poll(2) skips negative descriptors: revents 0
        using var filePin = new PinnedFile(table, fd);
        if (filePin.File is not OpenFile file) return EpollEvents.Nval;
        // poll(2) always reports ERR, HUP and NVAL. A file without ->poll (CanPoll false) answers Linux's
        // DEFAULT_POLLMASK from its own Poll, as vfs_poll does for it.
        return file.Poll(null) & (requested | EpollEvents.Err | EpollEvents.Hup | EpollEvents.Nval);
    }

    /// <summary>The epoll part of /proc/self/fdinfo/N (the <c>tfd:</c> lines), or -EBADF/-EINVAL.</summary>
    internal static int FdInfo(DescriptorTable table, int fd, StringBuilder text)
    {
        int result = PinInstance(table, fd, out Eventpoll? ep);
        if (result < 0) return result;
        ep!.ShowFdInfo(text);
        ep.Release();
        return 0;
    }

    /// <summary>Pins <paramref name="epfd"/>'s instance: 0 with <paramref name="ep"/> pinned (the caller releases it), or -EBADF or -EINVAL with nothing pinned.</summary>
    internal static int PinInstance(DescriptorTable table, int epfd, out Eventpoll? ep)
    {
        ep = null;
        OpenFile? file = table.Pin(epfd);
        if (file is null) return NotOpen();
        if (file is Eventpoll instance)
        {
            ep = instance;
            return 0;
        }
        file.Release();
        return NotAnEpoll();
    }

    /// <summary>A descriptor's file pinned for the length of a call (Linux: fdget/fdput).</summary>
    private readonly ref struct PinnedFile(DescriptorTable table, int fd)
    {
        /// <summary>The pinned file, or null when the descriptor is not open (EBADF).</summary>
        public OpenFile? File { get; } = table.Pin(fd);

        public void Dispose() => File?.Release();
    }
}

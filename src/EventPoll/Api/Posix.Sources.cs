namespace EventPoll;

#pragma warning disable CA1707 // Linux constant names are kept as they are in C
public sealed partial class Posix
{
    /// <summary>EFD_SEMAPHORE.</summary>
    public const int EFD_SEMAPHORE = 1;
    /// <summary>AF_UNIX.</summary>
    public const int AF_UNIX = 1;
    /// <summary>SOCK_STREAM.</summary>
    public const int SOCK_STREAM = 1;
    /// <summary>CLOCK_MONOTONIC.</summary>
    public const int CLOCK_MONOTONIC = 1;

    private const int EAFNOSUPPORT = 97;
    private const int EPROTONOSUPPORT = 93;

    /// <summary>eventfd(initval, flags): flags from EFD_SEMAPHORE, EFD_NONBLOCK (O_NONBLOCK), EFD_CLOEXEC (O_CLOEXEC).</summary>
    public int EventFd(uint initval, int flags)
    {
        if ((flags & ~(EFD_SEMAPHORE | O_NONBLOCK | O_CLOEXEC)) != 0) return Fail(Errno.EINVAL);
        return Result(Table.Install(new EventFdFile(initval, (flags & EFD_SEMAPHORE) != 0)));
    }

    /// <summary>pipe2(fds, flags): fds[0] is the read end, fds[1] the write end; flags from O_NONBLOCK, O_CLOEXEC.</summary>
    public int Pipe2(Span<int> fds, int flags)
    {
        if (fds.Length < 2) return Fail(Errno.EFAULT);
        if ((flags & ~(O_NONBLOCK | O_CLOEXEC)) != 0) return Fail(Errno.EINVAL);
        (PipeReadEnd read, PipeWriteEnd write) = PipeBuffer.Create();
        return Result(Table.InstallPair(read, write, fds));
    }

    /// <summary>socketpair(AF_UNIX, SOCK_STREAM [| SOCK_NONBLOCK | SOCK_CLOEXEC], 0, sv).</summary>
    public int SocketPair(int domain, int type, int protocol, Span<int> sv)
    {
        if (sv.Length < 2) return Fail(Errno.EFAULT);
        if (domain != AF_UNIX) return Fail((Errno)EAFNOSUPPORT);
        if ((type & ~(O_NONBLOCK | O_CLOEXEC)) != SOCK_STREAM) return Fail(Errno.EINVAL);
        if (protocol != 0) return Fail((Errno)EPROTONOSUPPORT);
        (UnixStreamSocket a, UnixStreamSocket b) = UnixStreamSocket.CreatePair();
        return Result(Table.InstallPair(a, b, sv));
    }

    /// <summary>timerfd_create(CLOCK_MONOTONIC, flags).</summary>
    public int TimerFdCreate(int clockid, int flags)
    {
        if (clockid != CLOCK_MONOTONIC || (flags & ~(O_NONBLOCK | O_CLOEXEC)) != 0) return Fail(Errno.EINVAL);
        return Result(Table.Install(new TimerFdFile()));
    }

    /// <summary>timerfd_settime(fd, 0, {interval, initial}, NULL): relative times only.</summary>
    public int TimerFdSetTime(int fd, TimeSpan initial, TimeSpan interval) => Result(Syscalls.TimerFdSetTime(Table, fd, initial, interval));
}
#pragma warning restore CA1707

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

    private const int SockTypeMask = 0xf;
    private const int EAFNOSUPPORT = 97;
    private const int EPROTONOSUPPORT = 93;

    /// <summary>eventfd(initval, flags): flags from EFD_SEMAPHORE, EFD_NONBLOCK (O_NONBLOCK), EFD_CLOEXEC (O_CLOEXEC).</summary>
    public int EventFd(uint initval, int flags)
    {
        if ((flags & ~(EFD_SEMAPHORE | O_NONBLOCK | O_CLOEXEC)) != 0) return Fail(Errno.EINVAL);
        return Result(Table.Install(new EventFdFile(initval, (flags & EFD_SEMAPHORE) != 0)));
    }

    /// <summary>
    /// pipe2(fds, flags): fds[0] is the read end, fds[1] the write end; flags from O_NONBLOCK, O_CLOEXEC. Linux's
    /// order: EINVAL for flags, EMFILE, then EFAULT for a span too short to take the numbers.
    /// </summary>
    public int Pipe2(Span<int> fds, int flags)
    {
        if ((flags & ~(O_NONBLOCK | O_CLOEXEC)) != 0) return Fail(Errno.EINVAL);
        // Linux makes the pipe (and takes its inode number) before it takes descriptor numbers: __do_pipe_flags.
        (PipeReadEnd read, PipeWriteEnd write) = PipeBuffer.Create();
        Span<int> reserved = stackalloc int[2];
        int r = Table.ReservePair(reserved);
        if (r == 0 && fds.Length >= 2) return FillPair(reserved, read, write, fds);
        if (r == 0) Table.UnreservePair(reserved);
        // Stryker disable once Statement : the ends never reached a descriptor; nothing else holds them, and their release only tells each the other is gone
        read.Release();
        // Stryker disable once Statement : the ends never reached a descriptor; nothing else holds them, and their release only tells each the other is gone
        write.Release();
        return Fail(r < 0 ? Errno.EMFILE : Errno.EFAULT);
    }

    /// <summary>
    /// socketpair(AF_UNIX, SOCK_STREAM [| SOCK_NONBLOCK | SOCK_CLOEXEC], 0, sv). Linux's order: EINVAL for unknown
    /// type flags, EMFILE, EFAULT for a short span, and only then the family, type and protocol.
    /// </summary>
    public int SocketPair(int domain, int type, int protocol, Span<int> sv)
    {
        if ((type & ~SockTypeMask & ~(O_NONBLOCK | O_CLOEXEC)) != 0) return Fail(Errno.EINVAL);
        Span<int> reserved = stackalloc int[2];
        if (Table.ReservePair(reserved) < 0) return Fail(Errno.EMFILE);
        if (sv.Length < 2) return FailReserved(reserved, Errno.EFAULT);
        if (domain != AF_UNIX) return FailReserved(reserved, (Errno)EAFNOSUPPORT);
        if ((type & SockTypeMask) != SOCK_STREAM) return FailReserved(reserved, Errno.EINVAL);
        if (protocol != 0) return FailReserved(reserved, (Errno)EPROTONOSUPPORT);
        (UnixStreamSocket a, UnixStreamSocket b) = UnixStreamSocket.CreatePair();
        return FillPair(reserved, a, b, sv);
    }

    private int FailReserved(ReadOnlySpan<int> reserved, Errno errno)
    {
        Table.UnreservePair(reserved);
        return Fail(errno);
    }

    private int FillPair(ReadOnlySpan<int> reserved, OpenFile first, OpenFile second, Span<int> fds)
    {
        Table.FillPair(reserved, first, second);
        reserved.CopyTo(fds);
        return 0;
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

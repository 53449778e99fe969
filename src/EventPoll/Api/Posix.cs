using System.Text;

namespace EventPoll;

/// <summary>
/// The POSIX-shaped face of EventPoll for code ported from C: int descriptors, calls that return -1 and set
/// <see cref="Errno"/> (per thread, like C's errno), and Linux's flag values. One instance serves one
/// <see cref="DescriptorTable"/>. Descriptors never block on read or write (every one behaves as O_NONBLOCK).
/// </summary>
#pragma warning disable CA1707 // Linux constant names are kept as they are in C
public sealed partial class Posix
{
    /// <summary>EPOLL_CLOEXEC (== O_CLOEXEC).</summary>
    public const int EPOLL_CLOEXEC = 0x80000;
    /// <summary>O_NONBLOCK.</summary>
    public const int O_NONBLOCK = 0x800;
    /// <summary>O_CLOEXEC.</summary>
    public const int O_CLOEXEC = 0x80000;
    /// <summary>EPOLL_CTL_ADD.</summary>
    public const int EPOLL_CTL_ADD = 1;
    /// <summary>EPOLL_CTL_DEL.</summary>
    public const int EPOLL_CTL_DEL = 2;
    /// <summary>EPOLL_CTL_MOD.</summary>
    public const int EPOLL_CTL_MOD = 3;

    [ThreadStatic] private static Errno t_errno;

    private readonly WatchAccount _account;

    /// <summary>Creates a facade over <paramref name="table"/>, charging watches to <paramref name="account"/>.</summary>
    public Posix(DescriptorTable? table = null, WatchAccount? account = null)
    {
        Table = table ?? new DescriptorTable();
        _account = account ?? WatchAccount.Default;
    }

    /// <summary>A facade over <see cref="DescriptorTable.Default"/>.</summary>
    public static Posix Default { get; } = new(DescriptorTable.Default);

    /// <summary>The errno of the calling thread's last failed call.</summary>
    public static Errno Errno => t_errno;

    /// <summary>The table these calls act on.</summary>
    public DescriptorTable Table { get; }

    /// <summary>epoll_create(size): size must be positive, otherwise ignored.</summary>
    public int EpollCreate(int size) => size <= 0 ? Fail(Errno.EINVAL) : Result(Syscalls.EpollCreate(Table, _account));

    /// <summary>epoll_create1(flags): flags may only contain EPOLL_CLOEXEC.</summary>
    public int EpollCreate1(int flags) => (flags & ~EPOLL_CLOEXEC) != 0 ? Fail(Errno.EINVAL) : Result(Syscalls.EpollCreate(Table, _account));

    /// <summary>epoll_ctl(epfd, op, fd, event): a null <paramref name="ev"/> is C's NULL pointer (EFAULT unless op is DEL).</summary>
    public int EpollCtl(int epfd, int op, int fd, EpollEvent? ev) => Result(Syscalls.EpollCtl(Table, epfd, op, fd, ev));

    /// <summary>
    /// epoll_ctl(epfd, op, osFd, event) for an OS descriptor: <paramref name="osFd"/> is a number of the process's own
    /// descriptor table (a socket, pipe, eventfd, timerfd, signalfd, another kernel epoll...), never one of
    /// <see cref="Table"/>'s, and the registration lives in the instance's kernel epoll with the kernel's rules and
    /// errnos. As in C, the call acts on whatever file has that number when it runs.
    /// </summary>
    public int EpollCtlOs(int epfd, int op, int osFd, EpollEvent? ev) => Result(Syscalls.EpollCtlOs(Table, epfd, op, osFd, ev));

    /// <summary>epoll_wait(epfd, events, maxevents, timeout): <paramref name="maxevents"/> larger than the span is EFAULT.</summary>
    public int EpollWait(int epfd, Span<EpollEvent> events, int maxevents, int timeout)
        => Result(Syscalls.EpollWait(Table, epfd, events, maxevents, timeout, default(WaitCancellation)));

    /// <summary>epoll_wait with cancellation standing in for a signal: EINTR when cancelled before any event.</summary>
    public int EpollWait(int epfd, Span<EpollEvent> events, int maxevents, int timeout, CancellationToken cancellationToken)
        => Result(Syscalls.EpollWait(Table, epfd, events, maxevents, timeout, new WaitCancellation(cancellationToken)));

    /// <summary>epoll_pwait2 without a signal mask: a null <paramref name="timeout"/> waits forever; a negative one is EINVAL.</summary>
    public int EpollPwait2(int epfd, Span<EpollEvent> events, int maxevents, TimeSpan? timeout)
    {
        if (timeout is { } t && t < TimeSpan.Zero) return Fail(Errno.EINVAL);
        return Result(Syscalls.EpollWait(Table, epfd, events, maxevents, timeout is { } span ? Epoll.ToMilliseconds(span) : -1, default(WaitCancellation)));
    }

    /// <summary>close(fd). As on Linux, closing an epoll descriptor wakes no thread blocked in a wait on it: the wait holds the instance and still returns its events (an <see cref="Epoll"/> handle's Dispose, by contrast, ends its own waits).</summary>
    public int Close(int fd) => Result(Table.Close(fd));

    /// <summary>dup(fd): the lowest free number.</summary>
    public int Dup(int fd) => Result(Table.Dup(fd));

    /// <summary>dup2(oldfd, newfd).</summary>
    public int Dup2(int oldfd, int newfd) => Result(Table.Dup2(oldfd, newfd));

    /// <summary>fcntl(fd, F_DUPFD or F_DUPFD_CLOEXEC, minfd).</summary>
    public int FcntlDupFd(int fd, int minfd) => Result(Table.Dup(fd, minfd));

    /// <summary>read(fd, buf, count).</summary>
    public long Read(int fd, Span<byte> buffer) => Result(Syscalls.Read(Table, fd, buffer));

    /// <summary>write(fd, buf, count).</summary>
    public long Write(int fd, ReadOnlySpan<byte> data) => Result(Syscalls.Write(Table, fd, data));

    /// <summary>shutdown(fd, how) with SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2.</summary>
    public int Shutdown(int fd, int how) => Result(Syscalls.Shutdown(Table, fd, how));

    /// <summary>poll(2) of one descriptor with a zero timeout: its revents for <paramref name="events"/> (NVAL when not open, 0 for a negative descriptor).</summary>
    public EpollEvents PollNow(int fd, EpollEvents events) => Syscalls.PollNow(Table, fd, events);

    /// <summary>The epoll lines of /proc/self/fdinfo/epfd, or null with errno set.</summary>
    public string? FdInfo(int epfd)
    {
        var text = new StringBuilder();
        return Result(Syscalls.FdInfo(Table, epfd, text)) < 0 ? null : text.ToString();
    }

    private static int Fail(Errno errno)
    {
        Failure.Take(errno); // C sees only errno: drop the engine's sentence so no later call can pick it up
        t_errno = errno;
        return -1;
    }

    private static int Result(int value) => value < 0 ? Fail((Errno)(-value)) : value;

    private static long Result(long value) => value < 0 ? Fail((Errno)(-value)) : value;
}
#pragma warning restore CA1707

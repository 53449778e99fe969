using System.Globalization;
using EventPoll.Interop;

namespace EventPoll.Trace;

/// <summary>
/// The reference backend: every call goes straight to the running Linux kernel. It remembers the
/// descriptors it created (and has not seen closed) so that disposing it leaves the process's
/// descriptor table as it found it.
/// </summary>
internal sealed class KernelBackend : ITraceBackend
{
    private const int Flags = Posix.O_NONBLOCK | Posix.O_CLOEXEC;

    // ENFILE, which EventPoll's Errno does not name: the system-wide file table is full.
    private const int OutOfFileTable = 23;

    private readonly HashSet<int> _owned = [];

    // Successful ADDs so far: an upper bound on how many events any epoll_wait here can return,
    // which keeps the native call inside the buffer whatever maxevents says.
    private int _adds;

    public KernelBackend()
    {
        if (!LinuxSyscalls.EpollEventLayoutMatches)
        {
            throw new PlatformNotSupportedException("the kernel backend needs Linux on x86-64 (12-byte struct epoll_event)");
        }
    }

    public int EventFd(string name, uint initial, bool semaphore) =>
        Own(LinuxSyscalls.EventFd(initial, Flags | (semaphore ? Posix.EFD_SEMAPHORE : 0)));

    public int Pipe(string name, out int readFd, out int writeFd)
    {
        int r = LinuxSyscalls.Pipe2(out readFd, out writeFd, Flags);
        Own(readFd);
        Own(writeFd);
        return r;
    }

    public int SocketPair(string name, out int first, out int second)
    {
        int r = LinuxSyscalls.SocketPair(Posix.AF_UNIX, Posix.SOCK_STREAM | Flags, 0, out first, out second);
        Own(first);
        Own(second);
        return r;
    }

    public int EpollCreate() => Own(LinuxSyscalls.EpollCreate1(Posix.O_CLOEXEC));

    public int Dup(int fd) => Own(LinuxSyscalls.Fcntl(fd, LinuxSyscalls.FDupFdCloExec, 0));

    /// <summary>
    /// fcntl(F_DUPFD_CLOEXEC, <paramref name="number"/>) that must land on <paramref name="number"/> itself: the new
    /// descriptor, or <c>-errno</c>. A number already held (the process's other descriptors have grown up to it) is
    /// EMFILE: the process has no room left where the caller needs it.
    /// </summary>
    internal int DupExactly(int fd, int number)
    {
        int r = LinuxSyscalls.Fcntl(fd, LinuxSyscalls.FDupFdCloExec, number);
        if (r < 0 || r == number) return Own(r);
        LinuxSyscalls.Close(r);
        return -(int)Errno.EMFILE;
    }

    public int Close(int fd)
    {
        int r = LinuxSyscalls.Close(fd);
        if (r == 0)
        {
            _owned.Remove(fd);
        }

        return r;
    }

    public int Ctl(int epfd, int op, int fd, EpollEvents events, ulong data)
    {
        int r = LinuxSyscalls.EpollCtl(epfd, op, fd, new EpollEvent(events, data));
        if (r == 0 && op == Posix.EPOLL_CTL_ADD)
        {
            _adds++;
        }

        return r;
    }

    public long Write(int fd, ReadOnlySpan<byte> data) => LinuxSyscalls.Write(fd, data);

    public long Read(int fd, Span<byte> buffer) => LinuxSyscalls.Read(fd, buffer);

    public int Shutdown(int fd, int how) => LinuxSyscalls.Shutdown(fd, how);

    public int Wait(int epfd, int maxEvents, int timeoutMs, Span<EpollEvent> events)
    {
        int capacity = Math.Min(maxEvents, _adds);
        if (capacity <= events.Length)
        {
            return LinuxSyscalls.EpollWait(epfd, events, maxEvents, timeoutMs);
        }

        // The caller's buffer is smaller than what the kernel may write: go through a big enough one.
        var scratch = new EpollEvent[capacity];
        int n = LinuxSyscalls.EpollWait(epfd, scratch, maxEvents, timeoutMs);
        if (n > events.Length)
        {
            throw new InvalidOperationException($"epoll_wait returned {n} events into a buffer of {events.Length}");
        }

        scratch.AsSpan(0, Math.Max(n, 0)).CopyTo(events);
        return n;
    }

    public int Poll(int fd, EpollEvents events) => LinuxSyscalls.PollOne(fd, (short)events, 0);

    public int FdInfo(int epfd, List<FdInfoItem> items)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"/proc/self/fdinfo/{epfd.ToString(CultureInfo.InvariantCulture)}");
        }
        catch (IOException e) when (e.HResult is (int)Errno.EMFILE or OutOfFileTable)
        {
            // Reading /proc takes a descriptor too: report the exhaustion as such, not as a closed epfd.
            return -e.HResult;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return -(int)Errno.EBADF;
        }

        FdInfoItem.ParseAll(lines, items);
        return 0;
    }

    public void Dispose()
    {
        foreach (int fd in _owned)
        {
            LinuxSyscalls.Close(fd);
        }

        _owned.Clear();
    }

    private int Own(int fd)
    {
        if (fd >= 0)
        {
            _owned.Add(fd);
        }

        return fd;
    }
}

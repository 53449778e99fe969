namespace EventPoll.Trace;

/// <summary>
/// The system under test: every call goes to EventPoll's POSIX-style facade over a private descriptor table,
/// one facade call per trace command, so a divergence from the kernel is a divergence of that call.
/// </summary>
internal sealed class ManagedBackend : ITraceBackend
{
    private const int Flags = Posix.O_NONBLOCK | Posix.O_CLOEXEC;

    private readonly Posix _posix;

    // Successful ADDs so far: an upper bound on the events one wait can return (see KernelBackend).
    private int _adds;

    /// <summary>A backend over a private descriptor table with the process's limit.</summary>
    public ManagedBackend() : this(new DescriptorTable()) { }

    /// <summary>A backend over <paramref name="table"/>.</summary>
    internal ManagedBackend(DescriptorTable table) => _posix = new Posix(table, new WatchAccount());

    /// <summary>The engine's descriptor table.</summary>
    internal DescriptorTable Table => _posix.Table;

    public int EventFd(string name, uint initial, bool semaphore) => Result(_posix.EventFd(initial, Flags | (semaphore ? Posix.EFD_SEMAPHORE : 0)));

    public int Pipe(string name, out int readFd, out int writeFd)
    {
        Span<int> fds = stackalloc int[2];
        return Pair(_posix.Pipe2(fds, Flags), fds, out readFd, out writeFd);
    }

    public int SocketPair(string name, out int first, out int second)
    {
        Span<int> fds = stackalloc int[2];
        return Pair(_posix.SocketPair(Posix.AF_UNIX, Posix.SOCK_STREAM | Flags, 0, fds), fds, out first, out second);
    }

    public int EpollCreate() => Result(_posix.EpollCreate1(Posix.EPOLL_CLOEXEC));

    public int Dup(int fd) => Result(_posix.FcntlDupFd(fd, 0));

    public int Close(int fd) => Result(_posix.Close(fd));

    public int Ctl(int epfd, int op, int fd, EpollEvents events, ulong data) =>
        Counted(op, Result(_posix.EpollCtl(epfd, op, fd, new EpollEvent(events, data))));

    /// <summary>epoll_ctl of an OS descriptor (<see cref="Posix.EpollCtlOs"/>): 0 or <c>-errno</c>.</summary>
    internal int CtlOs(int epfd, int op, int osFd, EpollEvents events, ulong data) =>
        Counted(op, Result(_posix.EpollCtlOs(epfd, op, osFd, new EpollEvent(events, data))));

    public long Write(int fd, ReadOnlySpan<byte> data) => Result(_posix.Write(fd, data));

    public long Read(int fd, Span<byte> buffer) => Result(_posix.Read(fd, buffer));

    public int Shutdown(int fd, int how) => Result(_posix.Shutdown(fd, how));

    public int Wait(int epfd, int maxEvents, int timeoutMs, Span<EpollEvent> events)
    {
        // Like the kernel, judge maxevents as given; the buffer only has to hold what can come back.
        int capacity = Math.Clamp(Math.Min(maxEvents, Math.Max(_adds, 1)), 0, events.Length); // never empty: see TraceRunner
        return Syscalls.EpollWait(_posix.Table, epfd, events[..capacity], maxEvents, timeoutMs, default, checkBuffer: false);
    }

    public int Poll(int fd, EpollEvents events) => (int)_posix.PollNow(fd, events);

    public int FdInfo(int epfd, List<FdInfoItem> items)
    {
        string? text = _posix.FdInfo(epfd);
        if (text is null) return Posix.Errno == Errno.EINVAL ? 0 : -(int)Posix.Errno; // not an instance: no items, as in /proc
        FdInfoItem.ParseAll(text.Split('\n'), items);
        return 0;
    }

    /// <summary>Closes every descriptor the trace left open.</summary>
    public void Dispose()
    {
        foreach (int fd in _posix.Table.OpenDescriptors()) _posix.Close(fd);
    }

    private int Counted(int op, int result)
    {
        if (result == 0 && op == Posix.EPOLL_CTL_ADD) _adds++;
        return result;
    }

    private static int Pair(int result, ReadOnlySpan<int> fds, out int first, out int second)
    {
        int r = Result(result);
        first = r == 0 ? fds[0] : -1;
        second = r == 0 ? fds[1] : -1;
        return r;
    }

    private static int Result(int value) => value < 0 ? -(int)Posix.Errno : value;

    private static long Result(long value) => value < 0 ? -(long)Posix.Errno : value;
}

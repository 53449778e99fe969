using EventPoll.Interop;

namespace EventPoll.Tests.Misuse;

/// <summary>
/// The descriptor-creating calls, answered either by this process's kernel or by a <see cref="Posix"/> facade,
/// each returning the result or <c>-errno</c>, so one script can run against both and their answers be compared.
/// Every descriptor a call makes is remembered in <see cref="Owned"/>, so the script's caller can close them all.
/// </summary>
internal abstract class LimitWorld
{
    public const int AF_UNIX = 1, SOCK_STREAM = 1, CLOCK_MONOTONIC = 1;

    /// <summary>Descriptors this world made and has not closed.</summary>
    public HashSet<int> Owned { get; } = [];

    public int EventFd(int flags) => Own(DoEventFd(flags));

    public int EpollCreate(int size) => Own(DoEpollCreate(size));

    public int EpollCreate1(int flags) => Own(DoEpollCreate1(flags));

    public int TimerFdCreate(int clockId, int flags) => Own(DoTimerFdCreate(clockId, flags));

    public int Dup(int fd) => Own(DoDup(fd));

    public int Dup2(int oldFd, int newFd) => Own(DoDup2(oldFd, newFd));

    public int FcntlDupFd(int fd, int minFd) => Own(DoFcntlDupFd(fd, minFd));

    public int Pipe2(Span<int> fds, int flags) => OwnPair(DoPipe2(fds, flags), fds);

    public int SocketPair(int domain, int type, int protocol, Span<int> fds) => OwnPair(DoSocketPair(domain, type, protocol, fds), fds);

    public int Close(int fd)
    {
        int r = DoClose(fd);
        if (r == 0) Owned.Remove(fd);
        return r;
    }

    /// <summary>Sets the descriptor limit (setrlimit's soft RLIMIT_NOFILE, or <see cref="DescriptorTable.Limit"/>).</summary>
    public abstract void SetLimit(int limit);

    protected abstract int DoEventFd(int flags);
    protected abstract int DoEpollCreate(int size);
    protected abstract int DoEpollCreate1(int flags);
    protected abstract int DoTimerFdCreate(int clockId, int flags);
    protected abstract int DoDup(int fd);
    protected abstract int DoDup2(int oldFd, int newFd);
    protected abstract int DoFcntlDupFd(int fd, int minFd);
    protected abstract int DoPipe2(Span<int> fds, int flags);
    protected abstract int DoSocketPair(int domain, int type, int protocol, Span<int> fds);
    protected abstract int DoClose(int fd);

    private int Own(int r)
    {
        if (r >= 0) Owned.Add(r);
        return r;
    }

    private int OwnPair(int r, Span<int> fds)
    {
        if (r == 0)
        {
            Owned.Add(fds[0]);
            Owned.Add(fds[1]);
        }
        return r;
    }
}

/// <summary>This process's kernel. Callers must hold the process's descriptor table to themselves (see <see cref="LimitTests"/>).</summary>
internal sealed class KernelLimitWorld(ulong hardLimit) : LimitWorld
{
    public override void SetLimit(int limit)
    {
        if (LinuxSyscalls.SetRlimit(LinuxSyscalls.RlimitNoFile, (ulong)limit, hardLimit) != 0)
            throw new InvalidOperationException("setrlimit(RLIMIT_NOFILE) failed");
    }

    protected override int DoEventFd(int flags) => LinuxSyscalls.EventFd(0, flags);
    protected override int DoEpollCreate(int size) => LinuxSyscalls.EpollCreate(size);
    protected override int DoEpollCreate1(int flags) => LinuxSyscalls.EpollCreate1(flags);
    protected override int DoTimerFdCreate(int clockId, int flags) => LinuxSyscalls.TimerFdCreate(clockId, flags);
    protected override int DoDup(int fd) => LinuxSyscalls.Dup(fd);
    protected override int DoDup2(int oldFd, int newFd) => LinuxSyscalls.Dup2(oldFd, newFd);
    protected override int DoFcntlDupFd(int fd, int minFd) => LinuxSyscalls.Fcntl(fd, LinuxSyscalls.FDupFd, minFd);
    protected override int DoPipe2(Span<int> fds, int flags) => LinuxSyscalls.Pipe2(fds, flags);
    protected override int DoSocketPair(int domain, int type, int protocol, Span<int> fds) => LinuxSyscalls.SocketPair(domain, type, protocol, fds);
    protected override int DoClose(int fd) => LinuxSyscalls.Close(fd);
}

/// <summary>EventPoll's <see cref="Posix"/> facade over its own table.</summary>
internal sealed class ManagedLimitWorld(DescriptorTable table) : LimitWorld
{
    private readonly Posix _px = new(table);

    public override void SetLimit(int limit) => table.Limit = limit;

    protected override int DoEventFd(int flags) => Errno(_px.EventFd(0, flags));
    protected override int DoEpollCreate(int size) => Errno(_px.EpollCreate(size));
    protected override int DoEpollCreate1(int flags) => Errno(_px.EpollCreate1(flags));
    protected override int DoTimerFdCreate(int clockId, int flags) => Errno(_px.TimerFdCreate(clockId, flags));
    protected override int DoDup(int fd) => Errno(_px.Dup(fd));
    protected override int DoDup2(int oldFd, int newFd) => Errno(_px.Dup2(oldFd, newFd));
    protected override int DoFcntlDupFd(int fd, int minFd) => Errno(_px.FcntlDupFd(fd, minFd));
    protected override int DoPipe2(Span<int> fds, int flags) => Errno(_px.Pipe2(fds, flags));
    protected override int DoSocketPair(int domain, int type, int protocol, Span<int> fds) => Errno(_px.SocketPair(domain, type, protocol, fds));
    protected override int DoClose(int fd) => Errno(_px.Close(fd));

    private static int Errno(int r) => r < 0 ? -(int)Posix.Errno : r;
}

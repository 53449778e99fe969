using EventPoll.Interop;

namespace EventPoll.Scenarios.Api;

/// <summary>The running Linux kernel through P/Invoke (one system call per operation, as C would make).</summary>
internal sealed class KernelApi : EpollApi
{
    private static readonly byte[] s_one = BitConverter.GetBytes(1UL);

    /// <summary>Whether the kernel can be measured here (Linux on x86-64, where <see cref="EpollEvent"/> matches the kernel's layout).</summary>
    internal static bool IsAvailable => LinuxSyscalls.EpollEventLayoutMatches;

    internal override string Name => "kernel";

    internal override int CreateEpoll() => LinuxSyscalls.EpollCreate1(Posix.O_CLOEXEC);

    internal override int CreateEventFd() => LinuxSyscalls.EventFd(0, Posix.O_NONBLOCK | Posix.O_CLOEXEC);

    internal override int Ctl(int epfd, int op, int fd, EpollEvents events, ulong data) =>
        LinuxSyscalls.EpollCtl(epfd, op, fd, new EpollEvent(events, data));

    internal override int Wait(int epfd, Span<EpollEvent> events, int maxEvents, int timeoutMs) =>
        LinuxSyscalls.EpollWait(epfd, events, maxEvents, timeoutMs);

    internal override long Signal(int fd) => LinuxSyscalls.Write(fd, s_one);

    internal override long Consume(int fd)
    {
        Span<byte> value = stackalloc byte[8];
        return LinuxSyscalls.Read(fd, value);
    }

    internal override int Close(int fd) => LinuxSyscalls.Close(fd);

    /// <summary>unshare(CLONE_FILES): this thread gets its own descriptor table, as a separate process has.</summary>
    internal override EpollApi ForWorkerProcess()
    {
        Check(LinuxSyscalls.Unshare(LinuxSyscalls.CloneFiles), "unshare(CLONE_FILES)");
        return this;
    }
}

namespace EventPoll.Scenarios.Api;

/// <summary>
/// The engine through its system-call layer (the one the <see cref="Posix"/> facade and the handles share),
/// with instances built in the requested <see cref="EngineDesign"/>. All descriptors live in one table, as a
/// process's threads share one descriptor table in the kernel, unless a worker asks for its own
/// (<see cref="ForWorkerProcess"/>).
/// </summary>
internal sealed class EngineApi(string name, EngineDesign design, WatchAccount? account = null) : EpollApi
{
    private static readonly byte[] s_one = BitConverter.GetBytes(1UL);

    /// <summary>
    /// The descriptor table of this run (a process's). Its limit is the largest, not this process's RLIMIT_NOFILE:
    /// fanout and memory make a million descriptors, and the scenarios measure speed, not the descriptor limit.
    /// </summary>
    internal DescriptorTable Table { get; } = new(DescriptorTable.MaxLimit);

    /// <summary>Unlimited: the scenarios measure speed, not the watch limit.</summary>
    internal WatchAccount Account { get; } = account ?? new(long.MaxValue);

    internal override string Name => name;

    internal override int CreateEpoll() => Table.Install(new Eventpoll(Account, design));

    internal override int CreateEventFd() => Table.Install(new EventFdFile(0, semaphore: false));

    internal override int Ctl(int epfd, int op, int fd, EpollEvents events, ulong data) =>
        Syscalls.EpollCtl(Table, epfd, op, fd, new EpollEvent(events, data));

    internal override int Wait(int epfd, Span<EpollEvent> events, int maxEvents, int timeoutMs) =>
        Syscalls.EpollWait(Table, epfd, events, maxEvents, timeoutMs, default(WaitCancellation));

    internal override long Signal(int fd) => Syscalls.Write(Table, fd, s_one);

    internal override long Consume(int fd)
    {
        Span<byte> value = stackalloc byte[8];
        return Syscalls.Read(Table, fd, value);
    }

    internal override int Close(int fd) => Table.Close(fd);

    /// <summary>A new descriptor table (a process's), the same watch account (its user's).</summary>
    internal override EpollApi ForWorkerProcess() => new EngineApi(name, design, Account);
}

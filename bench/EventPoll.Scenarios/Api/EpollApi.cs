namespace EventPoll.Scenarios.Api;

/// <summary>
/// The descriptor-level calls every scenario is written against, so one workload runs unchanged on the
/// engine (any <see cref="EngineDesign"/>) and on the kernel. Calls return the result or <c>-errno</c>;
/// <see cref="Check"/> turns an unexpected failure into an exception (a benchmark never ignores errors).
/// </summary>
internal abstract class EpollApi
{
    /// <summary>Shown in tables and progress.</summary>
    internal abstract string Name { get; }

    internal abstract int CreateEpoll();

    /// <summary>A non-blocking eventfd with counter 0.</summary>
    internal abstract int CreateEventFd();

    internal abstract int Ctl(int epfd, int op, int fd, EpollEvents events, ulong data);

    internal abstract int Wait(int epfd, Span<EpollEvent> events, int maxEvents, int timeoutMs);

    /// <summary>Writes the u64 1 to an eventfd: 8, or -EAGAIN when the counter is full.</summary>
    internal abstract long Signal(int fd);

    /// <summary>Reads an eventfd's counter: 8, or -EAGAIN when it is 0.</summary>
    internal abstract long Consume(int fd);

    internal abstract int Close(int fd);

    /// <summary>
    /// The calls as seen by a worker that is its own process (an nginx worker): a private descriptor table, the
    /// same user's watch account. Call it on the worker's thread, before the worker opens anything.
    /// </summary>
    internal abstract EpollApi ForWorkerProcess();

    /// <summary>Returns <paramref name="rc"/>, or throws when it is an errno.</summary>
    internal static long Check(long rc, string call) =>
        rc >= 0 ? rc : throw new InvalidOperationException($"{call} failed: {(Errno)(-rc)}");
}

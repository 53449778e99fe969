namespace EventPoll.Trace;

/// <summary>
/// What a trace needs from a system: one method per POSIX-style call, descriptors as <c>int</c>, results
/// as a value or <c>-errno</c>. Each method is meant to map onto exactly one call of the system under
/// test, so that a divergence between two backends is a divergence of that call. Every descriptor a
/// backend creates is non-blocking and close-on-exec; disposing the backend closes those still open.
/// The calls that make a source also get the trace's name for it (<c>name</c>), which no system sees: a backend
/// that places sources on different sides (<see cref="MixedPlacement"/>) chooses by it.
/// </summary>
internal interface ITraceBackend : IDisposable
{
    /// <summary>eventfd(<paramref name="initial"/>): the new descriptor or <c>-errno</c>.</summary>
    int EventFd(string name, uint initial, bool semaphore);

    /// <summary>pipe2: 0 or <c>-errno</c>; the ends are -1 on failure. <paramref name="name"/> is the read end's.</summary>
    int Pipe(string name, out int readFd, out int writeFd);

    /// <summary>socketpair(AF_UNIX, SOCK_STREAM): 0 or <c>-errno</c>; the ends are -1 on failure. <paramref name="name"/> is the first end's.</summary>
    int SocketPair(string name, out int first, out int second);

    /// <summary>epoll_create1: the new descriptor or <c>-errno</c>.</summary>
    int EpollCreate();

    /// <summary>fcntl(F_DUPFD_CLOEXEC, 0): the lowest free descriptor number, or <c>-errno</c>.</summary>
    int Dup(int fd);

    /// <summary>close: 0 or <c>-errno</c>.</summary>
    int Close(int fd);

    /// <summary>epoll_ctl with op 1 (add), 2 (del) or 3 (mod): 0 or <c>-errno</c>.</summary>
    int Ctl(int epfd, int op, int fd, EpollEvents events, ulong data);

    /// <summary>write: bytes written or <c>-errno</c>.</summary>
    long Write(int fd, ReadOnlySpan<byte> data);

    /// <summary>read: bytes read or <c>-errno</c>.</summary>
    long Read(int fd, Span<byte> buffer);

    /// <summary>shutdown with how 0 (rd), 1 (wr) or 2 (rdwr): 0 or <c>-errno</c>.</summary>
    int Shutdown(int fd, int how);

    /// <summary>
    /// epoll_wait with <paramref name="maxEvents"/> passed through unchecked (the system judges it):
    /// the number of events stored in <paramref name="events"/>, or <c>-errno</c>. The caller sizes
    /// <paramref name="events"/> to hold every event that can be returned (at most one per registration).
    /// </summary>
    int Wait(int epfd, int maxEvents, int timeoutMs, Span<EpollEvent> events);

    /// <summary>poll(2) on one descriptor with timeout 0: the returned events, or <c>-errno</c>.</summary>
    int Poll(int fd, EpollEvents events);

    /// <summary>
    /// The registrations of an epoll instance as its fdinfo lists them: 0 and the items, or <c>-errno</c>
    /// (EBADF when the descriptor is not open). A descriptor that is not an epoll instance has no items.
    /// </summary>
    int FdInfo(int epfd, List<FdInfoItem> items);
}

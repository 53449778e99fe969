using EventPoll.Trace;

namespace EventPoll.Tests.Traces;

/// <summary>A fake backend for runner tests: hands out descriptors from 3 up, fails on -1 with EBADF, records calls.</summary>
internal sealed class RecordingBackend : ITraceBackend
{
    private int _next = 3;

    public List<string> Calls { get; } = [];

    public int EventFd(string name, uint initial, bool semaphore) => Record($"eventfd({initial})", _next++);

    public int Pipe(string name, out int readFd, out int writeFd)
    {
        (readFd, writeFd) = (_next++, _next++);
        return Record("pipe", 0);
    }

    public int SocketPair(string name, out int first, out int second)
    {
        (first, second) = (_next++, _next++);
        return Record("socketpair", 0);
    }

    public int EpollCreate() => Record("epoll", _next++);

    public int Dup(int fd) => Record($"dup({fd})", fd < 0 ? -9 : _next++);

    public int Close(int fd) => Record($"close({fd})", fd < 0 ? -9 : 0);

    public int Ctl(int epfd, int op, int fd, EpollEvents events, ulong data) => Record($"ctl({epfd},{op},{fd})", epfd < 0 || fd < 0 ? -9 : 0);

    public long Write(int fd, ReadOnlySpan<byte> data) => Record($"write({fd}, {data.Length} bytes)", fd < 0 ? -9 : data.Length);

    public long Read(int fd, Span<byte> buffer) => Record($"read({fd})", fd < 0 ? -9 : 0);

    public int Shutdown(int fd, int how) => Record($"shutdown({fd})", fd < 0 ? -9 : 0);

    public int Wait(int epfd, int maxEvents, int timeoutMs, Span<EpollEvent> events) => Record($"wait({epfd})", epfd < 0 ? -9 : 0);

    public int Poll(int fd, EpollEvents events) => Record($"poll({fd})", 0);

    public int FdInfo(int epfd, List<FdInfoItem> items) => Record($"fdinfo({epfd})", epfd < 0 ? -9 : 0);

    public void Dispose()
    {
    }

    private T Record<T>(string call, T result)
    {
        Calls.Add(call);
        return result;
    }
}

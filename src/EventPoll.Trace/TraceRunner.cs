using System.Buffers.Binary;
using System.Globalization;
using static EventPoll.Trace.NameTable;

namespace EventPoll.Trace;

/// <summary>
/// Runs a parsed trace on one backend and renders each command as <c>TOKENS =&gt; RESULT</c>. The runner
/// owns everything the format defines (names, eventfd-versus-bytes I/O, formatting); the backend only
/// answers system calls, so two backends given the same trace must print the same lines.
/// </summary>
internal sealed class TraceRunner
{
    /// <summary>The largest byte count a non-eventfd write or read may ask for (keeps buffers sane).</summary>
    internal const ulong MaxByteCount = 1 << 24;

    // poll(2) asks for every readiness bit a trace can observe; ERR, HUP and NVAL come unasked.
    private const EpollEvents PollInterest = EpollEvents.In | EpollEvents.Pri | EpollEvents.Out | EpollEvents.RdHup
        | EpollEvents.RdNorm | EpollEvents.RdBand | EpollEvents.WrNorm | EpollEvents.WrBand;

    private readonly string _path;
    private readonly ITraceBackend _backend;
    private readonly NameTable _names;

    // (instance identity, descriptor number) -> the name used in the latest successful add.
    private readonly Dictionary<(int Identity, int Fd), string> _addedAs = [];

    // Successful adds so far: no wait can return more events than this, so it bounds the buffer.
    private int _adds;

    // Byte writes so far (see NextWriteTag).
    private int _byteWrites;

    /// <summary>A runner for the trace read from <paramref name="path"/> (used in messages and the header) on <paramref name="backend"/>.</summary>
    internal TraceRunner(string path, ITraceBackend backend)
    {
        _path = path;
        _backend = backend;
        _names = new NameTable(path);
    }

    /// <summary>The first output line: <c>== BASENAME</c>.</summary>
    internal TraceLine Header => new(0, "== " + Path.GetFileName(_path));

    /// <summary>Runs one command and returns its output line. Throws <see cref="TraceException"/>.</summary>
    internal TraceLine Step(TraceCommand c) => new(c.Line, $"{c.Text} => {Execute(c)}");

    /// <summary>Runs <paramref name="trace"/> and returns its output, header first. Throws <see cref="TraceException"/>.</summary>
    internal static List<TraceLine> Run(TraceFile trace, ITraceBackend backend)
    {
        var output = new List<TraceLine>();
        Run(trace.Path, trace.Commands, backend, output.Add);
        return output;
    }

    /// <summary>
    /// Runs the commands as they come (they may still be being read), handing each output line to
    /// <paramref name="emit"/> as soon as it is known, header first.
    /// </summary>
    internal static void Run(string path, IEnumerable<TraceCommand> commands, ITraceBackend backend, Action<TraceLine> emit)
    {
        var runner = new TraceRunner(path, backend);
        emit(runner.Header);
        foreach (TraceCommand c in commands)
        {
            emit(runner.Step(c));
        }
    }

    private string Execute(TraceCommand c)
    {
        for (int i = 0; i < c.Names.Length; i++)
        {
            if (c.Binds(i))
            {
                _names.CheckBindable(c, c.Names[i]);
            }
        }

        return c.Kind switch
        {
            CommandKind.EventFd => Create(c, _backend.EventFd(c.Names[0], c.Initial, c.Semaphore), FileKind.EventFd),
            CommandKind.Epoll => Create(c, _backend.EpollCreate(), FileKind.Epoll),
            CommandKind.Pipe => CreatePair(c, _backend.Pipe(c.Names[0], out int r, out int w), r, w, FileKind.Pipe),
            CommandKind.SocketPair => CreatePair(c, _backend.SocketPair(c.Names[0], out int a, out int b), a, b, FileKind.Socket),
            CommandKind.Dup => Dup(c),
            CommandKind.Close => Close(c),
            CommandKind.Ctl => Ctl(c),
            CommandKind.Write => Write(c),
            CommandKind.Read => Read(c),
            CommandKind.Shutdown => Status(_backend.Shutdown(Fd(c, 0), c.How)),
            CommandKind.Wait => Wait(c),
            CommandKind.Poll => Value(_backend.Poll(Fd(c, 0), PollInterest), v => EventFormat.Format((EpollEvents)v)),
            CommandKind.FdInfo => FdInfo(c),
            _ => throw new InvalidOperationException($"unhandled command kind {c.Kind}"),
        };
    }

    private string Create(TraceCommand c, int fd, FileKind kind)
    {
        _names.BindNew(c.Names[0], fd, kind);
        return Status(fd);
    }

    private string CreatePair(TraceCommand c, int result, int first, int second, FileKind kind)
    {
        _names.BindNew(c.Names[0], result < 0 ? -1 : first, kind);
        _names.BindNew(c.Names[1], result < 0 ? -1 : second, kind);
        return Status(result);
    }

    private string Dup(TraceCommand c)
    {
        Binding old = _names.Get(c, c.Names[1]);
        int fd = _backend.Dup(old.Fd);
        _names.BindDup(c.Names[0], fd, old);
        return Status(fd);
    }

    private string Close(TraceCommand c)
    {
        int r = _backend.Close(Fd(c, 0));
        if (r == 0)
        {
            _names.MarkClosed(c.Names[0]);
        }

        return Status(r);
    }

    private string Ctl(TraceCommand c)
    {
        Binding ep = _names.Get(c, c.Names[0]);
        int target = Fd(c, 1);
        int r = _backend.Ctl(ep.Fd, c.Op, target, c.Events, c.Data);
        if (r == 0 && c.Op == 1)
        {
            _adds++;
            _addedAs[(ep.Identity, target)] = c.Names[1];
        }

        return Status(r);
    }

    private string Write(TraceCommand c)
    {
        Binding b = _names.Get(c, c.Names[0]);
        if (b.Kind == FileKind.EventFd)
        {
            Span<byte> value = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(value, c.Count);
            return Value(_backend.Write(b.Fd, value));
        }

        byte[] data = new byte[ByteCount(c)];
        data.AsSpan().Fill(NextWriteTag());
        return Value(_backend.Write(b.Fd, data));
    }

    /// <summary>
    /// The byte the next byte write is filled with: the N-th byte write of the trace (whatever its result) writes
    /// (N - 1) mod 255 + 1, never 0, so a read that shows its bytes tells which write each came from and never takes
    /// a fresh page's zeros for written data.
    /// </summary>
    private byte NextWriteTag() => (byte)((_byteWrites++ % 255) + 1);

    private string Read(TraceCommand c)
    {
        Binding b = _names.Get(c, c.Names[0]);
        if (b.Kind == FileKind.EventFd)
        {
            Span<byte> value = stackalloc byte[8];
            long n = _backend.Read(b.Fd, value);
            return n == 8 ? "ok " + Number(BinaryPrimitives.ReadUInt64LittleEndian(value)) : Value(n);
        }

        byte[] buffer = new byte[ByteCount(c)];
        long read = _backend.Read(b.Fd, buffer);
        return c.ShowBytes && read > 0 ? Value(read) + " " + ByteRuns(buffer.AsSpan(0, (int)read)) : Value(read);
    }

    /// <summary>Bytes as runs of equal values, <c>VALUExCOUNT</c> joined by spaces: <c>1x4095 2x1</c>.</summary>
    private static string ByteRuns(ReadOnlySpan<byte> bytes)
    {
        var runs = new List<string>();
        for (int start = 0, end; start < bytes.Length; start = end)
        {
            for (end = start + 1; end < bytes.Length && bytes[end] == bytes[start]; end++) { }
            runs.Add($"{Number(bytes[start])}x{Number((ulong)(end - start))}");
        }

        return string.Join(' ', runs);
    }

    private string Wait(TraceCommand c)
    {
        if (c.TimeoutMs < 0 && NeverReady(c))
        {
            throw new TraceException(_path, c.Line, "wait would block forever");
        }

        // Room for what can come back, and for one event at least, as any caller of epoll_wait has: an instance
        // with a kernel side hands the buffer to the kernel, which refuses an empty one.
        var events = new EpollEvent[Math.Clamp(c.MaxEvents, 0, Math.Max(_adds, 1))];
        int n = _backend.Wait(Fd(c, 0), c.MaxEvents, c.TimeoutMs, events);
        if (n < 0)
        {
            return Status(n);
        }

        var parts = new List<string> { "ok", Number((ulong)n) };
        foreach (EpollEvent e in events.AsSpan(0, n))
        {
            parts.Add($"({EventFormat.Format(e.Events)},{Number(e.Data)})");
        }

        return string.Join(' ', parts);
    }

    /// <summary>
    /// True when an infinite wait could only sleep forever. A trace is one thread with no timers, so nothing
    /// can happen while it waits: if the instance has no event now, it never will. poll(2) on an epoll
    /// descriptor reports IN exactly when a wait would return something, and consumes nothing (Linux:
    /// ep_eventpoll_poll only drops items that are not really ready, which a harvest would drop too), so
    /// asking first leaves the output of the trace as it was. Waits the system refuses (maxevents out of
    /// range, a name that is not an open instance) go through, to print the system's error.
    /// </summary>
    private bool NeverReady(TraceCommand c)
    {
        Binding ep = _names.Get(c, c.Names[0]);
        if (ep.Kind != FileKind.Epoll || c.MaxEvents is < 1 or > Eventpoll.MaxEvents) return false;
        int events = _backend.Poll(ep.Fd, EpollEvents.In);
        return events >= 0 && ((EpollEvents)events & EpollEvents.In) == 0;
    }

    private string FdInfo(TraceCommand c)
    {
        Binding ep = _names.Get(c, c.Names[0]);
        var items = new List<FdInfoItem>();
        int r = _backend.FdInfo(ep.Fd, items);
        if (r < 0)
        {
            return Status(r);
        }

        var brackets = new List<string>();
        foreach (FdInfoItem item in items)
        {
            string name = _addedAs.TryGetValue((ep.Identity, item.Tfd), out string? n) ? n : "?" + Number((ulong)item.Tfd);
            brackets.Add($"[{name} {EventFormat.Format(item.Events)} {Number(item.Data)}]");
        }

        brackets.Sort(StringComparer.Ordinal);
        return brackets.Count == 0 ? "ok" : "ok " + string.Join(' ', brackets);
    }

    private int Fd(TraceCommand c, int index) => _names.Get(c, c.Names[index]).Fd;

    private int ByteCount(TraceCommand c) => c.Count <= MaxByteCount
        ? (int)c.Count
        : throw new TraceException(_path, c.Line, $"{Echo.Of(c.Names[0])}: byte count {c.Count} is above the limit {MaxByteCount}");

    private static string Status(long result) => result < 0 ? Error(result) : "ok";

    private static string Value(long result) => result < 0 ? Error(result) : "ok " + Number((ulong)result);

    private static string Value(long result, Func<long, string> format) => result < 0 ? Error(result) : "ok " + format(result);

    private static string Error(long result) => "err " + ErrnoNames.Name((int)-result);

    private static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}

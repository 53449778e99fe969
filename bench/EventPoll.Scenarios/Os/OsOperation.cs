using EventPoll.Scenarios.Measurement;
using Microsoft.Win32.SafeHandles;

namespace EventPoll.Scenarios.Os;

/// <summary>
/// A single-thread operation the os scenario times on every design, with its fixture: an instance of the design and
/// the OS eventfds it watches (level-triggered EPOLLIN). Waits block (no timeout) and find their event ready, as an
/// event loop's do; the design under test is the only code that differs, since OS eventfds are signalled and
/// consumed with the same plain system calls everywhere.
/// </summary>
internal abstract class OsOperation : IDisposable
{
    private readonly List<SafeFileHandle> _opened = [];

    protected OsOperation(OsDesign design) => Instance = OsDesigns.Create(design);

    protected OsInstance Instance { get; }

    /// <summary>The waits' buffer.</summary>
    protected EpollEvent[] Events { get; } = new EpollEvent[64];

    /// <summary>One operation.</summary>
    internal abstract void Run();

    /// <summary>Operations per second over <paramref name="duration"/>, after a warm-up.</summary>
    internal double Throughput(TimeSpan duration) => Sampler.Throughput(() =>
    {
        for (int i = 0; i < Sampler.BatchSize; i++) Run();
    }, duration);

    /// <summary>A blocking wait that must return exactly the event of <paramref name="data"/>.</summary>
    protected void WaitFor(ulong data)
    {
        int n = Instance.Wait(Events, -1);
        if (n != 1 || Events[0].Data != data) throw new InvalidOperationException($"the wait returned {n} events, expected only {data}");
    }

    /// <summary>A blocking wait that must return <paramref name="count"/> events (at most the buffer's 64).</summary>
    protected void WaitForCount(int count)
    {
        int n = Instance.Wait(Events, -1);
        if (n != count) throw new InvalidOperationException($"the wait returned {n} events, expected {count}");
    }

    /// <summary>Opens <paramref name="count"/> OS eventfds, closed with the fixture; watched ones get their index as data.</summary>
    protected SafeFileHandle[] Open(int count, bool watch)
    {
        SafeFileHandle[] efds = [.. Enumerable.Range(0, count).Select(_ => OsEventFd.Create())];
        _opened.AddRange(efds);
        for (int i = 0; i < count && watch; i++) Instance.Add(efds[i], EpollEvents.In, (ulong)i);
        return efds;
    }

    public void Dispose()
    {
        Instance.Dispose();
        foreach (SafeFileHandle efd in _opened) efd.Dispose();
    }
}

/// <summary>ADD and DEL of one OS eventfd.</summary>
internal sealed class AddDelOperation : OsOperation
{
    private readonly SafeFileHandle _efd;

    internal AddDelOperation(OsDesign design) : base(design) => _efd = Open(1, watch: false)[0];

    internal override void Run()
    {
        Instance.Add(_efd, EpollEvents.In, 2);
        Instance.Delete(_efd);
    }
}

/// <summary>
/// Signal an OS eventfd (write), wait for it, consume it (read). With several eventfds they take turns, so each
/// operation's event is a new readiness rather than one that stayed ready.
/// </summary>
internal sealed class SignalWaitConsumeOperation : OsOperation
{
    private readonly SafeFileHandle[] _efds;
    private int _next;

    internal SignalWaitConsumeOperation(OsDesign design, int eventFds) : base(design) => _efds = Open(eventFds, watch: true);

    internal override void Run()
    {
        int i = _next;
        OsEventFd.Signal(_efds[i]);
        WaitFor((ulong)i);
        OsEventFd.Consume(_efds[i]);
        _next = i + 1 == _efds.Length ? 0 : i + 1;
    }
}

/// <summary>A wait on an instance watching N OS eventfds of which the last few are ready (and stay so).</summary>
internal sealed class WaitReadyOperation : OsOperation
{
    private readonly int _ready;

    internal WaitReadyOperation(OsDesign design, int n, int ready) : base(design)
    {
        _ready = ready;
        foreach (SafeFileHandle efd in Open(n, watch: true)[^ready..]) OsEventFd.Signal(efd);
        // The poller-thread design learns of the signals on its own thread: the fixture is ready once a wait sees all.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Instance.Wait(Events, 1) != ready)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"the {ready} ready eventfds were not all reported within 30 s");
        }
    }

    internal override void Run() => WaitForCount(_ready);
}

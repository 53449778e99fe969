using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Rules;

/// <summary>
/// A private world for one test: its own descriptor table and watch account, the POSIX facade over them,
/// and short helpers that return errno values so that errno-order tests read like the kernel's table.
/// </summary>
internal sealed class World
{
    // The table's limit is Linux's default nr_open, not the runner's ulimit -n, so that rules which use large
    // descriptor numbers (fdinfo's padding at fd 1,000,000) do not depend on how the tests are started.
    public World(long maxWatches = 1_000_000)
    {
        Table = new DescriptorTable(DescriptorTable.FallbackLimit);
        Account = new WatchAccount(maxWatches);
        Px = new Posix(Table, Account);
    }

    public DescriptorTable Table { get; }

    public WatchAccount Account { get; }

    public Posix Px { get; }

    public int Create()
    {
        int ep = Px.EpollCreate1(0);
        Assert.True(ep >= 0, $"epoll_create1: {Posix.Errno}");
        return ep;
    }

    public int EventFd(uint initial = 0)
    {
        int fd = Px.EventFd(initial, 0);
        Assert.True(fd >= 0, $"eventfd: {Posix.Errno}");
        return fd;
    }

    /// <summary>A new instance (of <paramref name="design"/>, default the product's) watching a new eventfd (holding <paramref name="initial"/>), and the item of that watch.</summary>
    public (int Ep, int EventFd, Eventpoll Instance, EpItem Item) WatchedEventFd(EpollEvents events, ulong data, uint initial = 0, EngineDesign? design = null)
    {
        int ep = design is null ? Create() : Table.Install(new Eventpoll(Account, design));
        int efd = EventFd(initial);
        Assert.Equal(Errno.None, Add(ep, efd, events, data));
        Eventpoll instance = Instance(ep);
        return (ep, efd, instance, Assert.Single(instance.SnapshotItems()));
    }

    public (int Read, int Write) Pipe()
    {
        Span<int> fds = stackalloc int[2];
        Assert.Equal(0, Px.Pipe2(fds, 0));
        return (fds[0], fds[1]);
    }

    public (FakeFile File, int Fd) Fake(EpollEvents initial = EpollEvents.None)
    {
        var file = new FakeFile();
        if (initial != EpollEvents.None) file.Set(initial);
        int fd = file.Install(Table);
        Assert.True(fd >= 0);
        return (file, fd);
    }

    /// <summary>epoll_ctl returning <see cref="Errno.None"/> or the errno.</summary>
    public Errno Ctl(int ep, int op, int fd, EpollEvents events, ulong data = 0)
        => Px.EpollCtl(ep, op, fd, new EpollEvent(events, data)) == 0 ? Errno.None : Posix.Errno;

    /// <summary>epoll_ctl with a NULL event pointer.</summary>
    public Errno CtlNull(int ep, int op, int fd) => Px.EpollCtl(ep, op, fd, null) == 0 ? Errno.None : Posix.Errno;

    public Errno Add(int ep, int fd, EpollEvents events, ulong data = 0) => Ctl(ep, Posix.EPOLL_CTL_ADD, fd, events, data);

    public Errno Mod(int ep, int fd, EpollEvents events, ulong data = 0) => Ctl(ep, Posix.EPOLL_CTL_MOD, fd, events, data);

    public Errno Del(int ep, int fd) => CtlNull(ep, Posix.EPOLL_CTL_DEL, fd);

    /// <summary>A zero-timeout epoll_wait that must succeed.</summary>
    public EpollEvent[] Wait(int ep, int max = 64, int timeout = 0)
    {
        var buf = new EpollEvent[max];
        int n = Px.EpollWait(ep, buf, max, timeout);
        Assert.True(n >= 0, $"epoll_wait: {Posix.Errno}");
        return buf[..n];
    }

    public ulong[] WaitData(int ep, int max = 64) => [.. Wait(ep, max).Select(e => e.Data)];

    public void Close(int fd) => Assert.Equal(0, Px.Close(fd));

    public void Write(int fd, ulong value = 1)
    {
        Span<byte> bytes = stackalloc byte[8];
        BitConverter.TryWriteBytes(bytes, value);
        Assert.Equal(8, Px.Write(fd, bytes));
    }

    public void WriteBytes(int fd, int count)
    {
        byte[] bytes = new byte[count];
        Assert.Equal(count, Px.Write(fd, bytes));
    }

    public string FdInfo(int ep) => Px.FdInfo(ep) ?? throw new InvalidOperationException($"fdinfo: {Posix.Errno}");

    public Eventpoll Instance(int ep) => (Eventpoll)File(ep);

    /// <summary>The open file behind a descriptor (the temporary pin is dropped again).</summary>
    public OpenFile File(int fd) => EngineAccess.FileAt(Table, fd) ?? throw new InvalidOperationException($"fd {fd} is not open");
}

/// <summary>Views of engine internals for the rule tests.</summary>
internal static class Internals
{
    /// <summary>Number of waiters blocked on the instance (its exclusive wait queue, Linux: ep->wq).</summary>
    public static int WaiterCount(Eventpoll ep) => ep.WaiterCount;

    public static ReadyList Ready(Eventpoll ep) => ep.Ready;

    /// <summary>The watchers of a file (its f_ep list), read under f_lock.</summary>
    public static int WatcherCount(OpenFile file)
    {
        using (file.LockWatchers())
        {
            int n = 0;
            for (EpItem? item = file.FirstWatcher; item is not null; item = item.FileNext) n++;
            return n;
        }
    }

    /// <summary>Spins (yielding) until <paramref name="ep"/> has <paramref name="count"/> blocked waiters: real synchronisation, not a sleep.</summary>
    public static void AwaitWaiters(Eventpoll ep, int count)
    {
        Support.Bounded.Until(() => WaiterCount(ep) == count, $"{count} waiter(s) block (have {WaiterCount(ep)})");
    }
}

/// <summary>A stand-in for a task blocked in epoll_wait: counts the wakeups it receives.</summary>
internal sealed class CountingWaiter : Waiter
{
    public int Signals;

    internal override void Signal() => Interlocked.Increment(ref Signals);
}

/// <summary>A wait entry that records the order of wakeups on a queue.</summary>
internal sealed class RecordingEntry : WaitEntry
{
    private readonly List<string> _log;
    private readonly bool _consume;
    private readonly bool _exclusive;

    public RecordingEntry(string name, List<string> log, bool exclusive, bool consume = true)
    {
        Name = name;
        _log = log;
        _consume = consume;
        _exclusive = exclusive;
    }

    public override bool Exclusive => _exclusive;

    public string Name { get; }

    protected internal override bool OnWake(EpollEvents key)
    {
        _log.Add(Name);
        return _consume;
    }
}

/// <summary>A failsafe so that a lost wakeup fails the test instead of hanging the run (not a synchronisation device).</summary>
internal static class Failsafe
{
    public static TimeSpan Limit => Support.Bounded.Limit;

    public static Task<T> Bounded<T>(this Task<T> task) => task.WaitAsync(Limit);

    public static Task<T> Bounded<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(Limit);
}

using System.Text;

namespace EventPoll;

/// <summary>
/// An epoll instance behind a descriptor: register descriptors with <see cref="Add(FileHandle, EpollEvents, ulong)"/>,
/// then <see cref="Wait(Span{EpollEvent}, int, CancellationToken)"/> or <see cref="WaitAsync(Memory{EpollEvent}, CancellationToken)"/>
/// for their events. Failures throw <see cref="EpollException"/> with the errno Linux would give.
/// </summary>
public sealed class Epoll : FileHandle
{
    /// <summary>Creates an instance in <paramref name="table"/> (default: <see cref="DescriptorTable.Default"/>), charging its watches to <paramref name="account"/> (default: <see cref="WatchAccount.Default"/>).</summary>
    public Epoll(DescriptorTable? table = null, WatchAccount? account = null)
        : base(table ?? DescriptorTable.Default, Install(table ?? DescriptorTable.Default, new Eventpoll(account ?? WatchAccount.Default))) { }

    /// <summary>EPOLL_CTL_ADD: watch <paramref name="target"/> for <paramref name="events"/>, reporting <paramref name="data"/>.</summary>
    public void Add(FileHandle target, EpollEvents events, ulong data = 0) => Add(FdOf(target), events, data);

    /// <summary>EPOLL_CTL_ADD by descriptor number (of this instance's table).</summary>
    public void Add(int fd, EpollEvents events, ulong data = 0) => Ctl(EpollOp.Add, fd, new EpollEvent(events, data));

    /// <summary>EPOLL_CTL_MOD: replace the registration's events and data (re-arms a fired ONESHOT).</summary>
    public void Modify(FileHandle target, EpollEvents events, ulong data = 0) => Modify(FdOf(target), events, data);

    /// <summary>EPOLL_CTL_MOD by descriptor number.</summary>
    public void Modify(int fd, EpollEvents events, ulong data = 0) => Ctl(EpollOp.Mod, fd, new EpollEvent(events, data));

    /// <summary>EPOLL_CTL_DEL: stop watching <paramref name="target"/>.</summary>
    public void Delete(FileHandle target) => Delete(FdOf(target));

    /// <summary>EPOLL_CTL_DEL by descriptor number.</summary>
    public void Delete(int fd) => Ctl(EpollOp.Del, fd, null);

    /// <summary>
    /// Waits for events and writes them to <paramref name="events"/> (at most its length). Returns the
    /// count, or 0 when <paramref name="timeoutMs"/> passed (negative: no timeout; 0: never blocks).
    /// Cancellation before any event is available throws EINTR.
    /// </summary>
    public int Wait(Span<EpollEvent> events, int timeoutMs = -1, CancellationToken cancellationToken = default)
        => (int)EpollException.Check(Syscalls.EpollWait(Table, Fd, events, events.Length, timeoutMs, cancellationToken));

    /// <summary>Like <see cref="Wait(Span{EpollEvent}, int, CancellationToken)"/> with a <see cref="TimeSpan"/> timeout (<see cref="Timeout.InfiniteTimeSpan"/> for none).</summary>
    public int Wait(Span<EpollEvent> events, TimeSpan timeout, CancellationToken cancellationToken = default)
        => (int)EpollException.Check(Syscalls.EpollWait(Table, Fd, events, events.Length, ToMilliseconds(timeout), cancellationToken));

    /// <summary>
    /// Waits asynchronously without a timeout. Completes synchronously when events are already there; does
    /// not allocate in steady state. Cancellation before any event is available throws EINTR.
    /// </summary>
    public ValueTask<int> WaitAsync(Memory<EpollEvent> events, CancellationToken cancellationToken = default)
        => WaitAsync(events, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Waits asynchronously with a timeout; completes with 0 when it passes.</summary>
    public ValueTask<int> WaitAsync(Memory<EpollEvent> events, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        OpenFile? file = Table.Pin(Fd);
        if (file is null) return ValueTask.FromException<int>(new EpollException(Errno.EBADF));
        try
        {
            return file is Eventpoll ep
                ? ep.WaitAsync(events, ToMilliseconds(timeout), cancellationToken)
                : ValueTask.FromException<int>(new EpollException(Errno.EINVAL));
        }
        finally
        {
            file.Release();
        }
    }

    /// <summary>The instance's registrations in the format of /proc/self/fdinfo (the <c>tfd:</c> lines).</summary>
    public string GetFdInfo()
    {
        var text = new StringBuilder();
        EpollException.Check(Syscalls.FdInfo(Table, Fd, text));
        return text.ToString();
    }

    private void Ctl(EpollOp op, int fd, EpollEvent? ev) => EpollException.Check(Syscalls.EpollCtl(Table, Fd, (int)op, fd, ev));

    private int FdOf(FileHandle target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Table != Table) throw new ArgumentException("The descriptor belongs to another descriptor table.", nameof(target));
        return target.Fd;
    }

    /// <summary>A timeout in milliseconds, rounded up (as the kernel rounds a timespec up to its clock); negative = infinite.</summary>
    internal static long ToMilliseconds(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan) return -1;
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        return (timeout.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
    }
}

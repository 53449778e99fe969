using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace EventPoll;

/// <summary>
/// An epoll instance behind a descriptor: register descriptors with <see cref="Add(FileHandle, EpollEvents, ulong)"/>,
/// then <see cref="Wait(Span{EpollEvent}, int, CancellationToken)"/> or <see cref="WaitAsync(Memory{EpollEvent}, CancellationToken)"/>
/// for their events. Failures throw <see cref="EpollException"/> with the errno Linux would give.
/// </summary>
/// <remarks>
/// Unlike close(2) on an epoll descriptor (<see cref="Posix.Close"/>), <see cref="FileHandle.Dispose()"/> ends the
/// waits blocked on this handle, with <see cref="ObjectDisposedException"/>, as Socket.Dispose aborts pending
/// operations; waits through other descriptors of the same instance go on. A cancelled wait throws
/// <see cref="OperationCanceledException"/> with the caller's token (a cancelled <see cref="WaitAsync(Memory{EpollEvent}, CancellationToken)"/>
/// task is Canceled), where the POSIX face reports EINTR.
/// </remarks>
public sealed class Epoll : FileHandle
{
    // The instance this handle made, for Dispose to end the waits that came through this handle (Eventpoll.EndWaitsThrough).
    // Null only in a handle whose constructor threw (EMFILE), which its finalizer still disposes.
    private readonly Eventpoll? _instance;

    /// <summary>The engine instance behind this handle, for the library's own loops (the reactor) to call without the handle's checks.</summary>
    internal Eventpoll Instance => _instance!;

    /// <summary>Creates an instance in <paramref name="table"/> (default: <see cref="DescriptorTable.Default"/>), charging its watches to <paramref name="account"/> (default: <see cref="WatchAccount.Default"/>).</summary>
    public Epoll(DescriptorTable? table = null, WatchAccount? account = null)
        : this(table ?? DescriptorTable.Default, new Eventpoll(account ?? WatchAccount.Default)) { }

    private Epoll(DescriptorTable table, Eventpoll instance)
        : base(table, Install(table, instance, "epoll_create1")) => _instance = instance;

    /// <summary>EPOLL_CTL_ADD: watch <paramref name="target"/> for <paramref name="events"/>, reporting <paramref name="data"/>.</summary>
    public void Add(FileHandle target, EpollEvents events, ulong data = 0) => Ctl(EpollOp.Add, target, new EpollEvent(events, data));

    /// <summary>EPOLL_CTL_ADD by descriptor number (of this instance's table).</summary>
    public void Add(int fd, EpollEvents events, ulong data = 0) => Ctl(EpollOp.Add, fd, new EpollEvent(events, data));

    /// <summary>EPOLL_CTL_MOD: replace the registration's events and data (re-arms a fired ONESHOT).</summary>
    public void Modify(FileHandle target, EpollEvents events, ulong data = 0) => Ctl(EpollOp.Mod, target, new EpollEvent(events, data));

    /// <summary>EPOLL_CTL_MOD by descriptor number.</summary>
    public void Modify(int fd, EpollEvents events, ulong data = 0) => Ctl(EpollOp.Mod, fd, new EpollEvent(events, data));

    /// <summary>
    /// EPOLL_CTL_ADD of an OS descriptor (a <see cref="Socket"/>'s, a <see cref="Microsoft.Win32.SafeHandles.SafeFileHandle"/>'s,
    /// any <see cref="SafeHandle"/> of one): the same flags and data word as in-process sources, the kernel's rules.
    /// The handle is held (DangerousAddRef) for the call only; the registration then lives in the kernel, keyed by the
    /// open file as every epoll registration is, so disposing the handle ends it (unless the descriptor was
    /// duplicated) and a new descriptor that reuses the number does not inherit it.
    /// </summary>
    public void Add(SafeHandle osHandle, EpollEvents events, ulong data = 0) => CtlOs(EpollOp.Add, osHandle, new EpollEvent(events, data));

    /// <summary>EPOLL_CTL_ADD of a socket's descriptor (see <see cref="Add(SafeHandle, EpollEvents, ulong)"/>).</summary>
    public void Add(Socket socket, EpollEvents events, ulong data = 0) => Add(SocketHandle(socket), events, data);

    /// <summary>EPOLL_CTL_MOD of an OS descriptor's registration.</summary>
    public void Modify(SafeHandle osHandle, EpollEvents events, ulong data = 0) => CtlOs(EpollOp.Mod, osHandle, new EpollEvent(events, data));

    /// <summary>EPOLL_CTL_MOD of a socket's registration.</summary>
    public void Modify(Socket socket, EpollEvents events, ulong data = 0) => Modify(SocketHandle(socket), events, data);

    /// <summary>EPOLL_CTL_DEL of an OS descriptor: a disposed handle throws <see cref="ObjectDisposedException"/> (its registration went with its last descriptor).</summary>
    public void Delete(SafeHandle osHandle) => CtlOs(EpollOp.Del, osHandle, null);

    /// <summary>EPOLL_CTL_DEL of a socket's descriptor.</summary>
    public void Delete(Socket socket) => Delete(SocketHandle(socket));

    /// <summary>EPOLL_CTL_DEL: stop watching <paramref name="target"/>.</summary>
    public void Delete(FileHandle target) => Ctl(EpollOp.Del, target, null);

    /// <summary>EPOLL_CTL_DEL by descriptor number.</summary>
    public void Delete(int fd) => Ctl(EpollOp.Del, fd, null);

    /// <summary>
    /// Waits for events and writes them to <paramref name="events"/> (at most its length). Returns the
    /// count, or 0 when <paramref name="timeoutMs"/> passed (negative: no timeout; 0: never blocks).
    /// Cancellation before any event is available throws <see cref="OperationCanceledException"/>; disposing
    /// this handle meanwhile throws <see cref="ObjectDisposedException"/>.
    /// </summary>
    public int Wait(Span<EpollEvent> events, int timeoutMs = -1, CancellationToken cancellationToken = default)
        => Wait(events, (long)timeoutMs, cancellationToken);

    /// <summary>Like <see cref="Wait(Span{EpollEvent}, int, CancellationToken)"/> with a <see cref="TimeSpan"/> timeout (<see cref="Timeout.InfiniteTimeSpan"/> for none).</summary>
    public int Wait(Span<EpollEvent> events, TimeSpan timeout, CancellationToken cancellationToken = default)
        => Wait(events, ToMilliseconds(timeout), cancellationToken);

    private int Wait(Span<EpollEvent> events, long timeoutMs, CancellationToken cancellationToken)
    {
        using Use use = Enter();
        ThrowIfEmpty(events.Length);
        var cancellation = new WaitCancellation(cancellationToken, this);
        // Straight to the instance: the handle's use keeps its descriptor, and so the instance, open for the call, so
        // the descriptor lookup and pin of the system-call layer (EBADF, EINVAL for a non-epoll) have nothing to find.
        int result = _instance!.Wait(events, events.Length, timeoutMs, in cancellation);
        if (result >= 0) return result;
        if (result == -(int)Errno.EINTR) ThrowCancelled(in cancellation);
        return (int)EpollException.Throw((Errno)(-result), "epoll_wait", Fd);
    }

    /// <summary>Ends a cancelled wait (out of line, as every throw on the wait's path: the usual wait's frame stays small).</summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowCancelled(in WaitCancellation cancellation) => throw cancellation.ToException();

    /// <summary>
    /// Waits asynchronously without a timeout. Completes synchronously when events are already there; a wakeup
    /// that comes before the task is awaited is harvested by the awaiting thread (no thread-pool hop); does
    /// not allocate in steady state. Cancellation before any event is available ends the task as Canceled;
    /// disposing this handle meanwhile faults it with <see cref="ObjectDisposedException"/>. Errors found before
    /// waiting (a disposed handle, an empty buffer) are thrown by the call itself.
    /// </summary>
    public ValueTask<int> WaitAsync(Memory<EpollEvent> events, CancellationToken cancellationToken = default)
        => WaitAsync(events, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Waits asynchronously with a timeout; completes with 0 when it passes.</summary>
    public ValueTask<int> WaitAsync(Memory<EpollEvent> events, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        long timeoutMs = ToMilliseconds(timeout);
        using Use use = Enter();
        ThrowIfEmpty(events.Length);
        if (events.Length > Eventpoll.MaxEvents) EpollException.Check(Eventpoll.InvalidMaxEvents(events.Length), "epoll_wait", Fd);
        // Straight to the instance, as Wait does: the handle's use keeps the instance open for the call, and a wait that
        // blocks takes its own reference on it (AsyncWaiter.Start).
        return _instance!.WaitAsync(events, timeoutMs, new WaitCancellation(cancellationToken, this));
    }

    /// <summary>The instance's registrations in the format of /proc/self/fdinfo (the <c>tfd:</c> lines).</summary>
    public string GetFdInfo()
    {
        using Use use = Enter();
        var text = new StringBuilder();
        EpollException.Check(Syscalls.FdInfo(Table, Fd, text), "fdinfo", Fd);
        return text.ToString();
    }

    /// <summary>Ends this handle's blocked waits (<see cref="ObjectDisposedException"/>), then closes as every handle does.</summary>
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing); // sets Closed (a full fence) before the waits are looked for: see WaitCancellation
        _instance?.EndWaitsThrough(this);
    }

    private void ThrowIfEmpty(int length)
    {
        if (length == 0) ThrowEmpty(Fd);
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)] // its message's formatting would widen every wait's frame
    private static void ThrowEmpty(int fd) =>
        throw new EpollException(Errno.EINVAL, $"the events buffer is empty: it must hold at least one event (epoll_wait, fd {fd})");

    private void Ctl(EpollOp op, FileHandle target, EpollEvent? ev)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Table != Table) throw new ArgumentException("The descriptor belongs to another descriptor table.", nameof(target));
        using Use watched = target.Enter(); // keeps the target's number from being closed and reused mid-call
        Ctl(op, target.Fd, ev);
    }

    private void CtlOs(EpollOp op, SafeHandle osHandle, EpollEvent? ev)
    {
        ArgumentNullException.ThrowIfNull(osHandle);
        bool held = false;
        try
        {
            osHandle.DangerousAddRef(ref held); // ObjectDisposedException once the handle is closed: never the reused number
            int osFd = (int)osHandle.DangerousGetHandle();
            using Use use = Enter();
            // Straight to the instance, as Wait; the event is given for ADD and MOD by every caller here.
            int result = Syscalls.CtlOs(_instance!, (int)op, osFd, ev.GetValueOrDefault());
            // The call's description is made only for an error: formatted on every call, it was each ctl's one allocation.
            if (result < 0) EpollException.Throw((Errno)(-result), $"{CtlCall(op)}, OS descriptor {osFd}", -1);
        }
        finally
        {
            if (held) osHandle.DangerousRelease();
        }
    }

    private static SafeHandle SocketHandle(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return socket.SafeHandle;
    }

    private void Ctl(EpollOp op, int fd, EpollEvent? ev)
    {
        using Use use = Enter();
        EpollException.Check(Syscalls.EpollCtl(Table, Fd, (int)op, fd, ev), CtlCall(op), fd);
    }

    private static string CtlCall(EpollOp op) => op switch
    {
        EpollOp.Add => "epoll_ctl ADD",
        EpollOp.Del => "epoll_ctl DEL",
        EpollOp.Mod => "epoll_ctl MOD",
        // Stryker disable once String : unreachable: the handle's Add, Modify and Delete pass only these three ops
        _ => "epoll_ctl",
    };

    /// <summary>A timeout in milliseconds, rounded up (as the kernel rounds a timespec up to its clock); negative = infinite.</summary>
    internal static long ToMilliseconds(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan) return -1;
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        return (timeout.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
    }
}

using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using EventPoll.Interop;
using EventPoll.Tests.Rules;
using EventPoll.Tests.Support;
using Microsoft.Win32.SafeHandles;
using Xunit;

namespace EventPoll.Tests.Os;

/// <summary>Real OS descriptors for the tests of issue 14: eventfds, pipes and socket pairs of the process, as SafeHandles.</summary>
internal static class OsFd
{
    private const int EfdNonBlock = 0x800, EfdCloExec = 0x80000, ONonBlock = 0x800, OCloExec = 0x80000, AfUnix = 1, SockStream = 1, SockCloExec = 0x80000;

    /// <summary>A non-blocking OS eventfd holding <paramref name="initial"/>.</summary>
    internal static SafeFileHandle EventFd(uint initial = 0) => Own(LinuxSyscalls.EventFd(initial, EfdNonBlock | EfdCloExec));

    /// <summary>An OS eventfd where the system has eventfd(2) (Linux), else null.</summary>
    internal static SafeFileHandle? EventFdOrNull() => OperatingSystem.IsLinux() ? EventFd() : null;

    /// <summary>A non-blocking OS pipe.</summary>
    internal static (SafeFileHandle Reader, SafeFileHandle Writer) Pipe()
    {
        Assert.Equal(0, LinuxSyscalls.Pipe2(out int r, out int w, ONonBlock | OCloExec));
        return (Own(r), Own(w));
    }

    /// <summary>A connected AF_UNIX stream pair made by socketpair(2), each end a <see cref="Socket"/>.</summary>
    internal static (Socket Mine, Socket Peer) SocketPair()
    {
        Assert.Equal(0, LinuxSyscalls.SocketPair(AfUnix, SockStream | SockCloExec, 0, out int a, out int b));
        return (new Socket(new SafeSocketHandle(a, ownsHandle: true)), new Socket(new SafeSocketHandle(b, ownsHandle: true)));
    }

    /// <summary>The same pair as raw descriptors (closed with <see cref="LinuxSyscalls.Close"/>).</summary>
    internal static (int Mine, int Peer) RawSocketPair()
    {
        Assert.Equal(0, LinuxSyscalls.SocketPair(AfUnix, SockStream | SockCloExec, 0, out int a, out int b));
        return (a, b);
    }

    /// <summary>
    /// dup(2) of a handle's descriptor, as a handle of its own, close-on-exec (fcntl F_DUPFD_CLOEXEC, 0: the same
    /// lowest free number). A plain dup would be inherited by any child another test spawns meanwhile, and keep the
    /// file open after this process closes it.
    /// </summary>
    internal static SafeFileHandle Dup(SafeHandle handle) => Own(LinuxSyscalls.Fcntl(Number(handle), LinuxSyscalls.FDupFdCloExec, 0));

    /// <summary>The descriptor number behind a handle.</summary>
    internal static int Number(SafeHandle handle) => (int)handle.DangerousGetHandle();

    /// <summary>Adds <paramref name="value"/> to an OS eventfd.</summary>
    internal static void Signal(SafeHandle eventFd, ulong value = 1) => Signal(Number(eventFd), value);

    /// <summary>Adds <paramref name="value"/> to the OS eventfd <paramref name="fd"/>.</summary>
    internal static void Signal(int fd, ulong value = 1)
    {
        Span<byte> bytes = stackalloc byte[8];
        BitConverter.TryWriteBytes(bytes, value);
        Assert.Equal(8, LinuxSyscalls.Write(fd, bytes));
    }

    /// <summary>Reads an OS eventfd's counter (0 when it was 0).</summary>
    internal static ulong Consume(SafeHandle eventFd)
    {
        Span<byte> bytes = stackalloc byte[8];
        return LinuxSyscalls.Read(Number(eventFd), bytes) == 8 ? BitConverter.ToUInt64(bytes) : 0;
    }

    private static SafeFileHandle Own(int fd)
    {
        Assert.True(fd >= 0, $"the system call failed: {(Errno)(-fd)}");
        return new SafeFileHandle(fd, ownsHandle: true);
    }
}

/// <summary>State of an instance's kernel side that tests synchronise on (never a sleep).</summary>
internal static class OsWaits
{
    /// <summary>Threads waiting on <paramref name="ep"/>: the one leading in the kernel plus those queued in user space.</summary>
    internal static int Blocked(Eventpoll ep) => ep.WaiterCount + (ep.Kernel is { HasLeader: true } ? 1 : 0);

    /// <summary>Spins until <paramref name="count"/> threads wait on <paramref name="ep"/> (one leading in the kernel when it has a kernel side).</summary>
    internal static void AwaitBlocked(Eventpoll ep, int count, Func<bool>? failed = null)
    {
        bool reached = SpinWait.SpinUntil(() => Blocked(ep) == count || (failed?.Invoke() ?? false), Failsafe.Limit);
        Assert.True(reached, $"expected {count} waiting threads, have {Blocked(ep)}");
    }

    /// <summary>Runs <paramref name="body"/> on a dedicated thread (blocking waits must not starve the pool).</summary>
    internal static Task<T> OnThread<T>(Func<T> body)
        => Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}

/// <summary>Threads and signals, to interrupt a thread blocked in a system call (EINTR).</summary>
internal static partial class OsThreads
{
    internal const int SysEpollPwait2 = 441, SigWinch = 28;

    /// <summary>
    /// Whether thread <paramref name="tid"/> is inside one of the epoll waits the kernel side makes: epoll_pwait2 for a
    /// finite timeout, epoll_wait (glibc may issue it as epoll_pwait) for none (x86-64 numbers).
    /// </summary>
    internal static bool InEpollWait(int tid) => InSyscall(tid, SysEpollPwait2) || InSyscall(tid, 232) || InSyscall(tid, 281);

    /// <summary>Whether thread <paramref name="tid"/> is inside system call <paramref name="number"/> (/proc/self/task/TID/syscall).</summary>
    internal static bool InSyscall(int tid, int number) => BlockedIn(tid)?.Number == number;

    /// <summary>
    /// The system call thread <paramref name="tid"/> is inside and its six arguments, as /proc/self/task/TID/syscall
    /// shows them ("202 0x7f.. 0x80 0x0 ..."): null while the thread runs in user space ("running"), is stopped outside a
    /// call ("-1 ..."), or has exited.
    /// </summary>
    internal static (int Number, ulong[] Args)? BlockedIn(int tid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/self/task/{tid}/syscall");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null; // the thread has exited
        }
        string[] fields = text.Split(' ');
        if (fields.Length < 7 || !int.TryParse(fields[0], CultureInfo.InvariantCulture, out int number) || number < 0) return null;
        ulong[] args = [.. fields[1..7].Select(f => ulong.Parse(f.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture))];
        return (number, args);
    }

    [LibraryImport("libc", EntryPoint = "gettid")]
    internal static partial int GetTid();

    [LibraryImport("libc", EntryPoint = "tgkill")]
    internal static partial int TgKill(int tgid, int tid, int signal);
}

/// <summary>
/// Raw kernel epolls, for probing what the running kernel answers (the authority on nesting rules): every
/// descriptor made here is closed with the probe.
/// </summary>
internal sealed class KernelProbe : IDisposable
{
    private const int EpollCloExec = 0x80000;
    private readonly List<int> _fds = [];

    /// <summary>A new kernel epoll.</summary>
    internal int Epoll() => Keep(LinuxSyscalls.EpollCreate1(EpollCloExec));

    /// <summary>A new OS eventfd (a leaf file).</summary>
    internal int EventFd() => Keep(LinuxSyscalls.EventFd(0, 0x800 | 0x80000)); // EFD_NONBLOCK | EFD_CLOEXEC

    /// <summary>epoll_ctl ADD of <paramref name="fd"/> into <paramref name="epfd"/> for IN: the kernel's errno (None for success).</summary>
    internal static Errno Add(int epfd, int fd, EpollEvents events = EpollEvents.In)
    {
        int r = LinuxSyscalls.EpollCtl(epfd, (int)EpollOp.Add, fd, new EpollEvent(events, (ulong)fd));
        return r < 0 ? (Errno)(-r) : Errno.None;
    }

    /// <summary>epoll_ctl DEL.</summary>
    internal static Errno Del(int epfd, int fd)
    {
        int r = LinuxSyscalls.EpollCtlNull(epfd, (int)EpollOp.Del, fd);
        return r < 0 ? (Errno)(-r) : Errno.None;
    }

    private int Keep(int fd)
    {
        Assert.True(fd >= 0, $"the system call failed: {(Errno)(-fd)}");
        _fds.Add(fd);
        return fd;
    }

    public void Dispose()
    {
        foreach (int fd in _fds) LinuxSyscalls.Close(fd);
        _fds.Clear();
    }
}

/// <summary>Runs an <see cref="Epoll"/> call and gives its errno (None for success), as the kernel probes do.</summary>
internal static class Outcome
{
    internal static Errno Of(Action call)
    {
        try
        {
            call();
            return Errno.None;
        }
        catch (EpollException e)
        {
            return e.Errno;
        }
    }

    /// <summary>The engine instance behind a handle.</summary>
    internal static Eventpoll Engine(Epoll ep) => EngineAccess.Instance(ep);
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EventPoll.Interop;

/// <summary>
/// The kernel interop layer: thin wrappers over the libc system-call stubs that descriptor-based code needs.
/// Every wrapper returns the call's result, or <c>-errno</c> on failure, so callers speak the same
/// convention as the engine (no exceptions, no global errno). Flag constants are the x86-64/arm64
/// generic values. <see cref="EpollEvent"/> is packed to 12 bytes, the kernel's layout on x86; elsewhere the epoll
/// wrappers copy through <see cref="AlignedEpollEvent"/> (<see cref="EpollEventLayoutMatches"/> says which applies).
/// </summary>
internal static unsafe partial class LinuxSyscalls
{
    private const string Libc = "libc";

    /// <summary>F_DUPFD: duplicate onto the lowest free number at or above the argument.</summary>
    internal const int FDupFd = 0;

    /// <summary>F_DUPFD_CLOEXEC: the same, with close-on-exec set on the new descriptor.</summary>
    internal const int FDupFdCloExec = 1030;

    /// <summary>CLONE_FILES for <see cref="Unshare"/>.</summary>
    internal const int CloneFiles = 0x400;

    /// <summary>True when <see cref="EpollEvent"/> has the kernel's <c>struct epoll_event</c> layout here.</summary>
    // Stryker disable once Logical : on Linux x86-64, where the tests run, both operands are true; || differs only elsewhere
    internal static readonly bool EpollEventLayoutMatches = // a static readonly field: the JIT folds the branch on it
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86;

    /// <summary>
    /// Whether the kernel's epoll calls exist (Linux). Where <see cref="EpollEventLayoutMatches"/> is false the
    /// wrappers below copy through <see cref="AlignedEpollEvent"/>, the kernel's layout there.
    /// </summary>
    internal static bool KernelEpollAvailable => OperatingSystem.IsLinux();

    /// <summary>RLIMIT_NOFILE (7 on x86-64 and the generic table arm64 uses).</summary>
    internal const int RlimitNoFile = 7;

    /// <summary>RLIM_INFINITY: the soft or hard limit is unlimited.</summary>
    internal const ulong RlimInfinity = ulong.MaxValue;

    /// <summary>One entry of the poll(2) array.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        internal int Fd;
        internal short Events;
        internal short Revents;
    }

    internal static int EventFd(uint initial, int flags) => Result(NativeEventFd(initial, flags));

    internal static int Pipe2(out int readFd, out int writeFd, int flags)
    {
        int* fds = stackalloc int[2];
        int r = Result(NativePipe2(fds, flags));
        (readFd, writeFd) = r < 0 ? (-1, -1) : (fds[0], fds[1]);
        return r;
    }

    /// <summary>pipe2 into <paramref name="fds"/>; a span shorter than two passes NULL, so the kernel judges the address.</summary>
    internal static int Pipe2(Span<int> fds, int flags)
    {
        fixed (int* p = fds)
        {
            return Result(NativePipe2(fds.Length < 2 ? null : p, flags));
        }
    }

    /// <summary>socketpair into <paramref name="fds"/>; a span shorter than two passes NULL.</summary>
    internal static int SocketPair(int domain, int type, int protocol, Span<int> fds)
    {
        fixed (int* p = fds)
        {
            return Result(NativeSocketPair(domain, type, protocol, fds.Length < 2 ? null : p));
        }
    }

    internal static int SocketPair(int domain, int type, int protocol, out int first, out int second)
    {
        int* fds = stackalloc int[2];
        int r = Result(NativeSocketPair(domain, type, protocol, fds));
        (first, second) = r < 0 ? (-1, -1) : (fds[0], fds[1]);
        return r;
    }

    internal static int EpollCreate1(int flags) => Result(NativeEpollCreate1(flags));

    internal static int EpollCreate(int size) => Result(NativeEpollCreate(size));

    internal static int TimerFdCreate(int clockId, int flags) => Result(NativeTimerFdCreate(clockId, flags));

    /// <summary>timerfd_settime(fd, 0, {0, <paramref name="initial"/>}, NULL): a one-shot relative expiry (0 disarms).</summary>
    internal static int TimerFdSetTime(int fd, TimeSpan initial)
    {
        long* spec = stackalloc long[4]; // struct itimerspec: it_interval {sec, nsec}, it_value {sec, nsec}
        spec[0] = spec[1] = 0;
        spec[2] = initial.Ticks / TimeSpan.TicksPerSecond;
        spec[3] = initial.Ticks % TimeSpan.TicksPerSecond * 100;
        return Result(NativeTimerFdSetTime(fd, 0, spec, null));
    }

    /// <summary>
    /// dup(2): the new number has no close-on-exec, so a child spawned meanwhile inherits it and keeps the file open.
    /// Only the limit tests use it (they compare dup's own errno rules); everything else uses F_DUPFD_CLOEXEC.
    /// </summary>
    internal static int Dup(int fd) => Result(NativeDup(fd));

    /// <summary>dup2(2), likewise without close-on-exec: for the limit tests only.</summary>
    internal static int Dup2(int oldFd, int newFd) => Result(NativeDup2(oldFd, newFd));

    internal static int EpollCtl(int epfd, int op, int fd, EpollEvent ev)
    {
        if (EpollEventLayoutMatches) return Result(NativeEpollCtl(epfd, op, fd, &ev));
        var aligned = new AlignedEpollEvent(ev);
        return Result(NativeEpollCtl(epfd, op, fd, &aligned));
    }

    /// <summary>epoll_ctl with a NULL event (EPOLL_CTL_DEL's usual form; EFAULT for ADD and MOD).</summary>
    internal static int EpollCtlNull(int epfd, int op, int fd) => Result(NativeEpollCtl(epfd, op, fd, null));

    /// <summary>
    /// epoll_wait into <paramref name="events"/>. <paramref name="maxEvents"/> is passed through unchanged so
    /// the kernel judges it; the caller must make the span hold as many events as the kernel can return.
    /// </summary>
    internal static int EpollWait(int epfd, Span<EpollEvent> events, int maxEvents, int timeoutMs)
    {
        if (!EpollEventLayoutMatches)
        {
            AlignedEpollEvent[] aligned = AlignedEpollEvent.Buffer(events.Length);
            fixed (AlignedEpollEvent* a = aligned)
            {
                int n = Result(NativeEpollWait(epfd, a, maxEvents, timeoutMs));
                // Stryker disable once Equality,Boolean,Statement : the aligned copy runs only where the layout differs, never on x86
                if (n > 0) AlignedEpollEvent.CopyOut(aligned, events, n);
                return n;
            }
        }
        // An empty span passes NULL, which the kernel judges as any other address (access_ok takes it): it faults only
        // when it has events to write there, and the caller sizes the span for every event it can return.
        fixed (EpollEvent* p = events)
        {
            return Result(NativeEpollWait(epfd, p, maxEvents, timeoutMs));
        }
    }

    /// <summary>
    /// epoll_wait into a non-empty <paramref name="events"/> for an instance's own kernel epoll (<see cref="KernelPoller"/>):
    /// as <see cref="EpollWait"/>, but bound without SetLastError. With it, LibraryImport's stub clears errno before
    /// every call and saves it after, two calls into the runtime's native shim that cost ~10 ns, some 1.5% of a wait
    /// that finds its event; here errno is read only when the call failed, just after it returned, which is when that
    /// stub reads it too (the runtime keeps errno across the return from native code).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // the call is made from its caller's frame: see Eventpoll.LeadKernelWait
    internal static int EpollWaitErrnoOnFailure(int epfd, Span<EpollEvent> events, int timeoutMs)
    {
        // Stryker disable once Boolean : on x86 EpollWait makes the same call with the same buffer; only its cost differs
        if (!EpollEventLayoutMatches) return EpollWait(epfd, events, events.Length, timeoutMs); // copies anyway
        fixed (EpollEvent* p = events)
        {
            int n = NativeEpollWaitErrnoOnFailure(epfd, p, events.Length, timeoutMs);
            return n >= 0 ? n : -Marshal.GetLastSystemError();
        }
    }

    internal static int Fcntl(int fd, int cmd, int arg) => Result(NativeFcntl(fd, cmd, arg));

    internal static int Close(int fd) => Result(NativeClose(fd));

    /// <summary>unshare(2) for the calling thread; with <see cref="CloneFiles"/> it gets its own copy of the descriptor table.</summary>
    internal static int Unshare(int flags) => Result(NativeUnshare(flags));

    /// <summary>read(2); an empty span passes NULL with a count of 0, which the kernel never writes through.</summary>
    internal static long Read(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            return Result(NativeRead(fd, p, (nuint)buffer.Length));
        }
    }

    /// <summary>write(2); an empty span passes NULL with a count of 0, which the kernel never reads through.</summary>
    internal static long Write(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            return Result(NativeWrite(fd, p, (nuint)data.Length));
        }
    }

    internal static int Shutdown(int fd, int how) => Result(NativeShutdown(fd, how));

    /// <summary>poll(2) on one descriptor: the returned events, or <c>-errno</c>.</summary>
    internal static int PollOne(int fd, short events, int timeoutMs)
    {
        var entry = new PollFd { Fd = fd, Events = events };
        int r = Result(NativePoll(&entry, 1, timeoutMs));
        return r < 0 ? r : (ushort)entry.Revents;
    }

    /// <summary>poll(2) on several descriptors: the number with events (their Revents set), or <c>-errno</c>.</summary>
    internal static int Poll(Span<PollFd> fds, int timeoutMs)
    {
        fixed (PollFd* p = fds)
        {
            return Result(NativePoll(p, (nuint)fds.Length, timeoutMs));
        }
    }

    /// <summary>getrlimit(2): 0 with the soft and hard limits, or <c>-errno</c> (the limits then 0: nothing was written).</summary>
    internal static int GetRlimit(int resource, out ulong soft, out ulong hard)
    {
        ulong* limits = stackalloc ulong[2]; // struct rlimit { rlim_t rlim_cur, rlim_max; }, 64-bit rlim_t; zeroed
        int r = Result(NativeGetRlimit(resource, limits));
        (soft, hard) = (limits[0], limits[1]);
        return r;
    }

    /// <summary>setrlimit(2) on the calling process: 0 or <c>-errno</c>.</summary>
    internal static int SetRlimit(int resource, ulong soft, ulong hard)
    {
        ulong* limits = stackalloc ulong[2];
        limits[0] = soft;
        limits[1] = hard;
        return Result(NativeSetRlimit(resource, limits));
    }

    /// <summary>
    /// sysinfo(2)'s memory totals in bytes: total RAM and total high memory (0 on 64-bit); on failure <c>-errno</c>
    /// and totals of 0 (the struct starts zeroed and nothing was written).
    /// </summary>
    internal static int SysInfoMemory(out ulong totalRamBytes, out ulong totalHighBytes)
    {
        SysInfo info;
        int r = Result(NativeSysInfo(&info));
        // mem_unit is 1 on a 64-bit kernel: do_sysinfo scales the totals to bytes unless they overflow 64 bits.
        // Stryker disable once Linq : mem_unit is 1 on 64-bit (above), so Min and Max agree
        ulong unit = Math.Max(info.MemUnit, 1u);
        // Stryker disable once Arithmetic : mem_unit is 1 on 64-bit (above), so dividing by it multiplies by it
        (totalRamBytes, totalHighBytes) = (info.TotalRam * unit, info.TotalHigh * unit);
        return r;
    }

    /// <summary>struct sysinfo on 64-bit Linux (only the memory fields are named).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 112)]
    private struct SysInfo
    {
        [FieldOffset(32)] public ulong TotalRam;
        [FieldOffset(88)] public ulong TotalHigh;
        [FieldOffset(104)] public uint MemUnit;
    }

    /// <summary>The interop layer's convention for a libc result: the value, or <c>-errno</c> when it failed (also <see cref="SocketCalls"/>'s).</summary>
    internal static int Result(int r) => r < 0 ? -Marshal.GetLastPInvokeError() : r;

    /// <inheritdoc cref="Result(int)"/>
    internal static long Result(nint r) => r < 0 ? -Marshal.GetLastPInvokeError() : r;

    [LibraryImport(Libc, EntryPoint = "eventfd", SetLastError = true)]
    private static partial int NativeEventFd(uint initval, int flags);

    [LibraryImport(Libc, EntryPoint = "pipe2", SetLastError = true)]
    private static partial int NativePipe2(int* fds, int flags);

    [LibraryImport(Libc, EntryPoint = "socketpair", SetLastError = true)]
    private static partial int NativeSocketPair(int domain, int type, int protocol, int* sv);

    [LibraryImport(Libc, EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int NativeEpollCreate1(int flags);

    [LibraryImport(Libc, EntryPoint = "epoll_create", SetLastError = true)]
    private static partial int NativeEpollCreate(int size);

    [LibraryImport(Libc, EntryPoint = "timerfd_create", SetLastError = true)]
    private static partial int NativeTimerFdCreate(int clockid, int flags);

    [LibraryImport(Libc, EntryPoint = "timerfd_settime", SetLastError = true)]
    private static partial int NativeTimerFdSetTime(int fd, int flags, long* newValue, long* oldValue);

    [LibraryImport(Libc, EntryPoint = "dup", SetLastError = true)]
    private static partial int NativeDup(int oldfd);

    [LibraryImport(Libc, EntryPoint = "dup2", SetLastError = true)]
    private static partial int NativeDup2(int oldfd, int newfd);

    [LibraryImport(Libc, EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int NativeEpollCtl(int epfd, int op, int fd, void* ev);

    [LibraryImport(Libc, EntryPoint = "epoll_wait", SetLastError = true)]
    private static partial int NativeEpollWait(int epfd, void* events, int maxevents, int timeout);

    [LibraryImport(Libc, EntryPoint = "epoll_wait")] // errno read by the caller on failure: see EpollWaitErrnoOnFailure
    private static partial int NativeEpollWaitErrnoOnFailure(int epfd, void* events, int maxevents, int timeout);

    // fcntl is variadic in C; with integer arguments the fixed-argument call is ABI-compatible on Linux.
    [LibraryImport(Libc, EntryPoint = "fcntl", SetLastError = true)]
    private static partial int NativeFcntl(int fd, int cmd, int arg);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    private static partial int NativeClose(int fd);

    [LibraryImport(Libc, EntryPoint = "unshare", SetLastError = true)]
    private static partial int NativeUnshare(int flags);

    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    private static partial nint NativeRead(int fd, byte* buf, nuint count);

    [LibraryImport(Libc, EntryPoint = "write", SetLastError = true)]
    private static partial nint NativeWrite(int fd, byte* buf, nuint count);

    [LibraryImport(Libc, EntryPoint = "shutdown", SetLastError = true)]
    private static partial int NativeShutdown(int fd, int how);

    [LibraryImport(Libc, EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int NativeGetRlimit(int resource, ulong* rlim);

    [LibraryImport(Libc, EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int NativeSetRlimit(int resource, ulong* rlim);

    [LibraryImport(Libc, EntryPoint = "sysinfo", SetLastError = true)]
    private static partial int NativeSysInfo(SysInfo* info);

    [LibraryImport(Libc, EntryPoint = "poll", SetLastError = true)]
    private static partial int NativePoll(PollFd* fds, nuint nfds, int timeout);
}

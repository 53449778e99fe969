using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EventPoll.Interop;

/// <summary>
/// One kernel epoll instance and the eventfd that wakes a thread blocked in it: the building block issue 14 expects
/// an instance that watches OS descriptors to stand on. It is the shape of the best event loops (mio, libuv, Netty,
/// nginx; shared/reference/event-loops.md): threads block only in epoll_wait, and a wakeup from user space costs one
/// eventfd write, made only when a thread may be blocked.
/// </summary>
/// <remarks>
/// <para>No lost wakeup (Dekker's pattern, both sides with full fences): a waiter announces itself
/// (<see cref="AnnounceBlocking"/>, an interlocked increment) and only then re-checks its in-process readiness before
/// it calls <see cref="Wait"/> with a timeout; a waker publishes that readiness with a full fence and only then reads
/// the count in <see cref="Wake"/>. Either the waiter sees the readiness, or the waker sees the waiter and writes.</para>
/// <para>The eventfd is registered edge-triggered and never read (as Netty's): each write is one edge, and the event
/// queued by a write that lands after the waiter returned for another reason makes its next wait return at once, a
/// spurious wakeup the caller's loop absorbs. Writes are coalesced by <c>_wakePending</c>, so the counter grows by at
/// most one per wakeup a waiter consumes and cannot near its 2^64-2 ceiling.</para>
/// <para>The wakeup's registration carries <see cref="WakeData"/>; <see cref="Wait"/> removes such events from the
/// batch. A caller that lets users choose data words must keep that one value for itself (for example by mapping a
/// user registration that asks for it through a slot of its own).</para>
/// </remarks>
internal sealed partial class KernelPoller : IDisposable
{
    /// <summary>The data word of the wakeup eventfd's registration.</summary>
    internal const ulong WakeData = ulong.MaxValue;

    private const int EpollCloExec = 0x80000, EfdNonBlock = 0x800, EfdCloExec = 0x80000, CtlAdd = 1;
    private const uint EpollIn = 0x1, EpollEt = 1u << 31;

    private readonly int _epfd;   // owned: closed by Dispose
    private readonly int _wakeFd; // owned: closed by Dispose
    private int _blocked;         // threads between AnnounceBlocking and EndBlocking; interlocked (full fences)
    private int _wakePending;     // 1 from a wakeup's write until a waiter sees its event; interlocked
    private long _wakeWrites;     // eventfd writes made, for tests and diagnostics; interlocked
    private long _interruptions;  // waits retried after EINTR, for tests and diagnostics; interlocked

    private KernelPoller(int epfd, int wakeFd)
    {
        _epfd = epfd;
        _wakeFd = wakeFd;
    }

    /// <summary>The kernel epoll descriptor (to watch it from another kernel epoll, for nesting).</summary>
    internal int Descriptor => _epfd;

    /// <summary>Threads between <see cref="AnnounceBlocking"/> and <see cref="EndBlocking"/>.</summary>
    internal int BlockedThreads => Volatile.Read(ref _blocked);

    /// <summary>Waits <see cref="Wait"/> retried after EINTR.</summary>
    internal long Interruptions => Interlocked.Read(ref _interruptions);

    /// <summary>The eventfd writes <see cref="Wake"/> has made.</summary>
    internal long WakeWrites => Interlocked.Read(ref _wakeWrites);

    /// <summary>
    /// Makes a kernel epoll with its wakeup eventfd: 0 and the poller, or <c>-errno</c> with nothing left open.
    /// EOPNOTSUPP where <see cref="EpollEvent"/> is not the kernel's <c>struct epoll_event</c> (anything but x86-64
    /// Linux: arm64's is 16 bytes, unpacked), since events are passed to the kernel as they are.
    /// </summary>
    internal static int Create(out KernelPoller? poller)
    {
        poller = null;
        if (!LinuxSyscalls.EpollEventLayoutMatches) return -(int)Errno.EOPNOTSUPP;
        int epfd = LinuxSyscalls.EpollCreate1(EpollCloExec);
        if (epfd < 0) return epfd;
        int wakeFd = LinuxSyscalls.EventFd(0, EfdNonBlock | EfdCloExec);
        if (wakeFd < 0)
        {
            LinuxSyscalls.Close(epfd);
            return wakeFd;
        }
        int added = LinuxSyscalls.EpollCtl(epfd, CtlAdd, wakeFd, new EpollEvent((EpollEvents)(EpollIn | EpollEt), WakeData));
        if (added < 0)
        {
            LinuxSyscalls.Close(wakeFd);
            LinuxSyscalls.Close(epfd);
            return added;
        }
        poller = new KernelPoller(epfd, wakeFd);
        return 0;
    }

    /// <summary>epoll_ctl on the kernel epoll: 0 or <c>-errno</c>, the kernel's.</summary>
    internal int Ctl(int op, int fd, EpollEvent? ev)
        => ev is { } e ? LinuxSyscalls.EpollCtl(_epfd, op, fd, e) : LinuxSyscalls.EpollCtlNull(_epfd, op, fd);

    /// <summary>Says a thread may block in <see cref="Wait"/>; it must re-check its in-process readiness after this.</summary>
    internal void AnnounceBlocking() => Interlocked.Increment(ref _blocked);

    /// <summary>Ends what <see cref="AnnounceBlocking"/> began.</summary>
    internal void EndBlocking()
    {
        int left = Interlocked.Decrement(ref _blocked);
        Debug.Assert(left >= 0);
    }

    /// <summary>
    /// Wakes a thread blocked in <see cref="Wait"/>: one eventfd write when one may be blocked and no earlier write is
    /// still unseen, otherwise nothing. The caller has published what the waiter should find with a full fence.
    /// </summary>
    internal void Wake()
    {
        if (Volatile.Read(ref _blocked) == 0) return;
        if (Interlocked.Exchange(ref _wakePending, 1) != 0) return;
        Span<byte> one = stackalloc byte[sizeof(ulong)];
        BitConverter.TryWriteBytes(one, 1UL);
        LinuxSyscalls.Write(_wakeFd, one); // EAGAIN only at a counter of 2^64-2, which coalescing rules out
        Interlocked.Increment(ref _wakeWrites);
    }

    /// <summary>
    /// Waits for OS events (epoll_pwait2, nanosecond timeouts; epoll_wait where the kernel lacks it) and returns how
    /// many it wrote to <paramref name="events"/>, the wakeup's event removed: 0 when the timeout passed or a wakeup
    /// came, or <c>-errno</c>. An EINTR is retried with the time that remains, since epoll_wait is never restarted
    /// after a signal handler. <paramref name="timeout"/>: <see cref="Timeout.InfiniteTimeSpan"/> waits forever,
    /// <see cref="TimeSpan.Zero"/> never blocks.
    /// </summary>
    internal int Wait(Span<EpollEvent> events, TimeSpan timeout)
    {
        Debug.Assert(!events.IsEmpty);
        var clock = new RetryClock(timeout);
        int n;
        while ((n = EpollPwait2.Wait(_epfd, events, clock.Remaining)) == -(int)Errno.EINTR)
        {
            Interlocked.Increment(ref _interruptions);
            if (!clock.Continue()) return 0;
        }
        if (n <= 0) return n;
        int kept = 0;
        for (int i = 0; i < n; i++)
        {
            if (events[i].Data == WakeData)
            {
                Volatile.Write(ref _wakePending, 0); // seen: the next wakeup writes again
                continue;
            }
            events[kept++] = events[i];
        }
        return kept;
    }

    /// <summary>The time a wait retried after EINTR has left (Linux never restarts epoll_wait after a signal handler).</summary>
    internal struct RetryClock(TimeSpan timeout)
    {
        private readonly long _start = Stopwatch.GetTimestamp();
        private readonly TimeSpan _timeout = timeout;

        /// <summary>The time left for the next attempt: <see cref="Timeout.InfiniteTimeSpan"/> without a timeout.</summary>
        internal TimeSpan Remaining { get; private set; } = timeout;

        /// <summary>After an EINTR: false when the time is up, else true with <see cref="Remaining"/> shortened.</summary>
        internal bool Continue()
        {
            if (_timeout == Timeout.InfiniteTimeSpan) return true;
            Remaining = _timeout - Stopwatch.GetElapsedTime(_start);
            return Remaining > TimeSpan.Zero;
        }
    }

    public void Dispose()
    {
        LinuxSyscalls.Close(_wakeFd);
        LinuxSyscalls.Close(_epfd);
    }

    /// <summary>epoll_pwait2 (Linux 5.11) through syscall(2), falling back to epoll_wait once the kernel refuses it.</summary>
    internal static unsafe partial class EpollPwait2
    {
        private const long SysEpollPwait2 = 441; // the same number on x86-64 and the generic table arm64 uses
        private const int Enosys = 38;

        // Set once epoll_pwait2 answered ENOSYS (an older kernel) or EPERM (a seccomp filter that predates it).
        private static volatile bool s_unavailable;

        /// <summary>Whether the last fallback decision was to use epoll_wait (for tests).</summary>
        internal static bool Unavailable => s_unavailable;

        internal static int Wait(int epfd, Span<EpollEvent> events, TimeSpan timeout)
        {
            if (!s_unavailable)
            {
                int r = Pwait2(epfd, events, timeout);
                if (r != -Enosys && r != -(int)Errno.EPERM) return r;
                s_unavailable = true;
            }
            return LinuxSyscalls.EpollWait(epfd, events, events.Length, ToMilliseconds(timeout));
        }

        private static int Pwait2(int epfd, Span<EpollEvent> events, TimeSpan timeout)
        {
            TimeSpec spec = default;
            bool infinite = timeout == Timeout.InfiniteTimeSpan;
            if (!infinite)
            {
                spec.Seconds = timeout.Ticks / TimeSpan.TicksPerSecond;
                spec.Nanoseconds = timeout.Ticks % TimeSpan.TicksPerSecond * TimeSpan.NanosecondsPerTick;
            }
            fixed (EpollEvent* p = events)
            {
                long r = Syscall(SysEpollPwait2, epfd, p, events.Length, infinite ? null : &spec, null, 0);
                return r < 0 ? -Marshal.GetLastPInvokeError() : (int)r;
            }
        }

        /// <summary>A timeout for epoll_wait: milliseconds rounded up (never shorter than asked), -1 for none.</summary>
        internal static int ToMilliseconds(TimeSpan timeout)
        {
            if (timeout == Timeout.InfiniteTimeSpan) return -1;
            long ms = (timeout.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
            return (int)Math.Min(ms, int.MaxValue);
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct TimeSpec
        {
            public long Seconds;
            public long Nanoseconds;
        }

        // syscall(2) is variadic in C; on the 64-bit Linux ABIs its integer arguments travel as in a plain call.
        [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
        private static partial long Syscall(long number, int epfd, EpollEvent* events, int maxEvents, TimeSpec* timeout, void* sigmask, nuint sigsetSize);
    }
}

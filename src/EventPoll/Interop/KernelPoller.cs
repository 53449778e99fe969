using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EventPoll.Interop;

/// <summary>
/// One kernel epoll instance and the eventfd that signals it from user space: the OS half of an instance that watches
/// OS descriptors (<see cref="Eventpoll"/>'s kernel side). It is the shape of the best event loops (mio, libuv, Netty,
/// nginx; shared/reference/event-loops.md): a thread blocks only in epoll_wait, and a wakeup from user space costs
/// one eventfd write, made only when someone may be looking.
/// </summary>
/// <remarks>
/// <para><b>The signal eventfd</b> is registered edge-triggered with <see cref="SignalData"/>. <c>_signalled</c> is 1
/// from a write until the write is known to be off the kernel's ready list: an epoll_wait returned its event
/// (<see cref="SignalSeen"/>, no read needed, as Netty never reads its wakeup fd) or the counter was read back to 0
/// (<see cref="Drain"/>, after which the kernel's next poll of the epoll drops the item). Writes happen only on the
/// 0 to 1 transition, so the counter grows by at most one per event seen and cannot near its 2^64-2 ceiling. While it
/// is signalled the kernel epoll polls readable, which is how an instance's in-process readiness reaches a kernel
/// epoll that watches this one.</para>
/// <para><b>One leader</b> (<see cref="TryLead"/>) blocks in the kernel at a time: a wakeup of epoll's wait queue
/// wakes one exclusive waiter, most recent first, so a write meant for one blocked thread (a cancellation, say) could
/// be consumed by another and never reach it. Other threads wait in user space and take over when the leader leaves.
/// No lost wakeup (Dekker's pattern, full fences on both sides): the leader claims leadership and only then re-checks
/// in-process readiness before blocking; a waker publishes that readiness and only then reads <see cref="HasLeader"/>.</para>
/// <para><b>Fairness turns</b> can learn without a system call that the kernel epoll has nothing: KernelPoller.Turns.cs,
/// with its <see cref="ReadinessRing"/>.</para>
/// <para><b>Lifetime</b>: the owner closes both descriptors and the ring, if one was made (<see cref="Close"/>). A kernel epoll that watches this one
/// holds a dup of <see cref="Descriptor"/> of its own per registration (see Eventpoll.Kernel.cs), so it never
/// names a number this poller may have closed.</para>
/// </remarks>
internal sealed partial class KernelPoller
{
    /// <summary>The data word of the signal eventfd's registration.</summary>
    internal const ulong SignalData = ulong.MaxValue;

    private const int EpollCloExec = 0x80000, EfdNonBlock = 0x800, EfdCloExec = 0x80000, CtlAdd = 1;
    private const uint EpollIn = 0x1, EpollEt = 1u << 31;
    private const short PollIn = 0x1;

    private readonly int _epfd;     // owned: closed by Close
    private readonly int _signalFd; // owned: closed by Close
    private int _leader;            // 1 while a thread may block in Wait; interlocked (full fences)
    private int _signalled;         // see the remarks; interlocked
    private long _signalWrites;     // eventfd writes made, for tests and diagnostics; interlocked
    private long _interruptions;    // waits retried after EINTR, for tests and diagnostics; interlocked
    private long _waitCalls;        // epoll_wait calls made by Wait, for tests and the bench's system-call count: a plain
                                    // increment (an interlocked one is ~2% of a wait), so threads racing may lose a count
    private long _ctlCalls;         // epoll_ctl calls made by Ctl, for the trace harness: a plain increment, as above

    private KernelPoller(int epfd, int signalFd)
    {
        _epfd = epfd;
        _signalFd = signalFd;
    }

    /// <summary>The kernel epoll descriptor (registered in a watcher's kernel epoll, for nesting).</summary>
    internal int Descriptor => _epfd;

    /// <summary>Whether a thread leads (may be blocked in <see cref="Wait"/>).</summary>
    internal bool HasLeader => Volatile.Read(ref _leader) != 0;

    /// <summary>Whether a signal was written and may still be on the kernel's ready list.</summary>
    internal bool Signalled => Volatile.Read(ref _signalled) != 0;

    /// <summary>Waits <see cref="Wait"/> retried after EINTR.</summary>
    internal long Interruptions => Interlocked.Read(ref _interruptions);

    /// <summary>The epoll_wait (epoll_pwait2) calls <see cref="Wait"/> has made, retries after EINTR included.</summary>
    internal long WaitCalls => Volatile.Read(ref _waitCalls);

    /// <summary>
    /// The epoll_ctl calls <see cref="Ctl"/> has made. With <see cref="WaitCalls"/> it tells a single-threaded observer
    /// (the trace harness) whether the registrations fdinfo lists can have changed: only a ctl, a wait (a ONESHOT
    /// registration is disarmed as it is delivered) or the close of a registered descriptor changes them.
    /// </summary>
    internal long CtlCalls => Volatile.Read(ref _ctlCalls);

    /// <summary>The eventfd writes <see cref="Signal"/> has made.</summary>
    internal long SignalWrites => Interlocked.Read(ref _signalWrites);

    /// <summary>
    /// Makes a kernel epoll with its signal eventfd: 0 and the poller, or <c>-errno</c> with nothing left open
    /// (EOPNOTSUPP off Linux).
    /// </summary>
    internal static int Create(out KernelPoller? poller)
    {
        poller = null;
        // Stryker disable once String : reached only off Linux (KernelEpollAvailable is OperatingSystem.IsLinux()), where no test runs
        if (!LinuxSyscalls.KernelEpollAvailable) return Failure.Of(Errno.EOPNOTSUPP, "OS descriptors need Linux's epoll");
        int epfd = LinuxSyscalls.EpollCreate1(EpollCloExec);
        if (epfd < 0) return epfd;
        int signalFd = LinuxSyscalls.EventFd(0, EfdNonBlock | EfdCloExec);
        // Stryker disable once Equality : eventfd(2) takes the lowest free number and epoll_create1 just took a lower one, so signalFd is never 0
        if (signalFd < 0)
        {
            LinuxSyscalls.Close(epfd);
            return signalFd;
        }
        int added = LinuxSyscalls.EpollCtl(epfd, CtlAdd, signalFd, new EpollEvent((EpollEvents)(EpollIn | EpollEt), SignalData));
        if (added < 0)
        {
            LinuxSyscalls.Close(signalFd);
            LinuxSyscalls.Close(epfd);
            return added;
        }
        poller = new KernelPoller(epfd, signalFd);
        return 0;
    }

    /// <summary>epoll_ctl on the kernel epoll: 0 or <c>-errno</c>, the kernel's.</summary>
    internal int Ctl(int op, int fd, EpollEvent? ev)
    {
        _ctlCalls++;
        return ev is { } e ? LinuxSyscalls.EpollCtl(_epfd, op, fd, e) : LinuxSyscalls.EpollCtlNull(_epfd, op, fd);
    }

    /// <summary>Becomes the leader unless another thread is; a leader re-checks its in-process readiness after this.</summary>
    internal bool TryLead() => Interlocked.CompareExchange(ref _leader, 1, 0) == 0;

    /// <summary>Ends what a successful <see cref="TryLead"/> began.</summary>
    internal void EndLead()
    {
        // A full fence: the leader's waiting followers are checked after this, and a follower checks HasLeader after
        // queueing itself, so one of the two always sees the other.
        int was = Interlocked.Exchange(ref _leader, 0);
        // Stryker disable once Statement,String : a removed Debug.Assert (or its message)
        Debug.Assert(was == 1);
    }

    /// <summary>
    /// Makes the kernel epoll report <see cref="SignalData"/>: one eventfd write unless a signal is already pending.
    /// The caller has published what the signal announces with a full fence.
    /// </summary>
    internal void Signal()
    {
        if (Volatile.Read(ref _signalled) != 0 || Interlocked.Exchange(ref _signalled, 1) != 0) return;
        Write();
    }

    private void Write()
    {
        Span<byte> one = stackalloc byte[sizeof(ulong)];
        BitConverter.TryWriteBytes(one, 1UL);
        LinuxSyscalls.Write(_signalFd, one); // EAGAIN only at a counter of 2^64-2: each write is drained or seen long before
        Interlocked.Increment(ref _signalWrites);
    }

    /// <summary>Writes the eventfd whether or not a signal is pending: one more wakeup, an edge for an edge-triggered watcher.</summary>
    internal void Pulse()
    {
        Interlocked.Exchange(ref _signalled, 1);
        Write();
    }

    /// <summary>An epoll_wait returned the signal's event: the edge is consumed, so the next signal writes again.</summary>
    internal void SignalSeen() => Interlocked.Exchange(ref _signalled, 0);

    /// <summary>
    /// Takes a pending signal back (reads the counter to 0), so the kernel epoll stops polling readable for it. The
    /// caller re-checks what the signal announces afterwards and signals again if it still holds.
    /// </summary>
    internal void Drain()
    {
        // Stryker disable once Statement : with no signal pending the read finds 0 (EAGAIN) or a count of signals already seen, which nothing reads: only a system call is saved
        if (Volatile.Read(ref _signalled) == 0) return;
        Span<byte> counter = stackalloc byte[sizeof(ulong)];
        LinuxSyscalls.Read(_signalFd, counter); // EAGAIN when an epoll_wait raced us to it: nothing to take
        Interlocked.Exchange(ref _signalled, 0);
    }

    /// <summary>Whether the kernel epoll polls readable now (poll(2), timeout 0): some registered item is ready.</summary>
    internal bool PollReadable() => LinuxSyscalls.PollOne(_epfd, PollIn, 0) > 0;

    /// <summary>
    /// Waits for events until <paramref name="deadline"/> (epoll_pwait2, nanosecond timeouts; epoll_wait where the kernel
    /// lacks it or the wait is infinite or never blocks) and returns how many it wrote to <paramref name="events"/>, the
    /// signal's included, or <c>-errno</c>. An EINTR is retried with the time that remains, since epoll_wait is never
    /// restarted after a signal handler. A deadline without end waits forever, one already passed never blocks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // into the leader's frame, with the system call: see Eventpoll.LeadKernelWait
    internal int Wait(Span<EpollEvent> events, Deadline deadline)
    {
        // Stryker disable once Statement,String : a removed Debug.Assert (or its message)
        Debug.Assert(!events.IsEmpty);
        _waitCalls++;
        int n = EpollPwait2.Wait(_epfd, events, deadline.RemainingTime());
        return n != -(int)Errno.EINTR ? n : WaitAfterInterruption(events, deadline);
    }

    /// <summary>
    /// The retries of <see cref="Wait"/> after EINTR, out of its way: the deadline is absolute, so each retry waits for
    /// what remains of it (nothing is left of one already passed).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int WaitAfterInterruption(Span<EpollEvent> events, Deadline deadline)
    {
        while (true)
        {
            Interlocked.Increment(ref _interruptions);
            TimeSpan left = deadline.RemainingTime();
            if (left == TimeSpan.Zero) return 0;
            _waitCalls++;
            int n = EpollPwait2.Wait(_epfd, events, left);
            if (n != -(int)Errno.EINTR) return n;
        }
    }

    /// <summary>
    /// Closes the readiness ring, the kernel epoll and the eventfd (the owner's last call). The ring goes first: its poll
    /// holds a reference to the epoll, which the kernel drops as it tears the ring down.
    /// </summary>
    internal void Close()
    {
        CloseRing();
        LinuxSyscalls.Close(_signalFd);
        LinuxSyscalls.Close(_epfd);
    }

    /// <summary>
    /// epoll_pwait2 (Linux 5.11) through syscall(2) for a finite timeout, which it keeps to the nanosecond, falling back to
    /// epoll_wait once the kernel refuses it. A zero or infinite timeout goes to epoll_wait, which says both exactly and
    /// costs less: here a zero timespec made epoll_pwait2 ~100 ns slower than epoll_wait's 0 (730 vs 632 ns a call).
    /// </summary>
    internal static unsafe partial class EpollPwait2
    {
        private const long SysEpollPwait2 = 441; // the same number on x86-64 and the generic table arm64 uses
        private const int Enosys = 38;

        // Set once epoll_pwait2 answered ENOSYS (an older kernel) or EPERM (a seccomp filter that predates it).
        private static volatile bool s_unavailable;

        /// <summary>
        /// Whether finite waits go to epoll_wait, epoll_pwait2 having been refused (tests read it, and set it back after a
        /// refusal they made).
        /// </summary>
        internal static bool Unavailable
        {
            get => s_unavailable;
            set => s_unavailable = value;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)] // as KernelPoller.Wait
        internal static int Wait(int epfd, Span<EpollEvent> events, TimeSpan timeout)
        {
            if (timeout == Timeout.InfiniteTimeSpan) return LinuxSyscalls.EpollWaitErrnoOnFailure(epfd, events, -1); // an event loop's usual wait
            // Stryker disable once Logical : a zero timeout through epoll_pwait2 answers as epoll_wait's 0 does, and a refused one falls back again: speed only
            if (!s_unavailable && timeout != TimeSpan.Zero)
            {
                int r = Pwait2(epfd, events, timeout);
                if (r != -Enosys && r != -(int)Errno.EPERM) return r;
                s_unavailable = true;
            }
            return LinuxSyscalls.EpollWaitErrnoOnFailure(epfd, events, ToMilliseconds(timeout));
        }

        /// <summary>epoll_pwait2 for a finite, nonzero <paramref name="timeout"/> (<see cref="Wait"/> sends the others to epoll_wait).</summary>
        private static int Pwait2(int epfd, Span<EpollEvent> events, TimeSpan timeout)
        {
            var spec = new TimeSpec
            {
                Seconds = timeout.Ticks / TimeSpan.TicksPerSecond,
                Nanoseconds = timeout.Ticks % TimeSpan.TicksPerSecond * TimeSpan.NanosecondsPerTick,
            };
            if (!LinuxSyscalls.EpollEventLayoutMatches)
            {
                AlignedEpollEvent[] aligned = AlignedEpollEvent.Buffer(events.Length);
                fixed (AlignedEpollEvent* a = aligned)
                {
                    long n = Syscall(SysEpollPwait2, epfd, a, events.Length, &spec, null, 0);
                    // Stryker disable once all : the aligned layout's path, taken only where epoll_event is not packed (not x86-64, where the tests run)
                    if (n < 0) return -Marshal.GetLastPInvokeError();
                    // Stryker disable once Statement : the aligned layout's path, taken only where epoll_event is not packed (not x86-64, where the tests run)
                    AlignedEpollEvent.CopyOut(aligned, events, (int)n);
                    return (int)n;
                }
            }
            fixed (EpollEvent* p = events)
            {
                long r = Syscall(SysEpollPwait2, epfd, p, events.Length, &spec, null, 0);
                // Stryker disable once Equality : at r == 0 errno is 0 (LibraryImport's SetLastError clears it before the call, and a success leaves it), so both arms give 0
                return r < 0 ? -Marshal.GetLastPInvokeError() : (int)r;
            }
        }

        /// <summary>A finite timeout for epoll_wait: milliseconds rounded up (never shorter than asked).</summary>
        internal static int ToMilliseconds(TimeSpan timeout)
        {
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
        private static partial long Syscall(long number, int epfd, void* events, int maxEvents, TimeSpec* timeout, void* sigmask, nuint sigsetSize);
    }
}

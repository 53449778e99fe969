using System.Runtime.InteropServices;
using EventPoll.Interop;

namespace EventPoll;

/// <summary>
/// Wakes asynchronous waits of instances that have a kernel side: one process-wide thread blocked in poll(2) on the
/// kernel descriptors of the instances with an asynchronous wait pending. When one polls readable, the thread forgets
/// it (one-shot) and wakes the instance's first queued waiter, which harvests on the thread pool as for an in-process
/// wakeup.
/// </summary>
/// <remarks>
/// <para>An asynchronous wait has no thread to block in the kernel, and .NET offers no public way to hand a descriptor
/// to its own socket engine; this is that engine's shape (one thread per process) for EventPoll's instances.
/// Synchronous waits never use it. It polls with poll(2), not a kernel epoll of its own: an epoll holding the
/// instances' kernel epolls would be one nesting level above the user's topology, and the kernel would refuse a chain
/// of the full depth (ELOOP) that the user's instances are allowed.</para>
/// <para>Arming adds the instance to <c>s_armed</c> and writes the watcher's eventfd if the thread is in poll(2)
/// with an older set, so one system call per wait that pends; the thread rebuilds its poll set when woken.</para>
/// <para>Fields: <c>s_armed</c>, <c>s_changed</c> and <c>s_started</c> are under <c>s_lock</c>; <c>s_wakeFd</c> is
/// set once under it; <c>s_polling</c> is interlocked (the thread sets it before its last look at the set, Arm reads
/// it after changing the set).</para>
/// </remarks>
internal static class KernelWatcher
{
    private const int EfdNonBlock = 0x800, EfdCloExec = 0x80000;
    private const short PollIn = 0x1, PollErr = 0x8, PollHup = 0x10, PollNval = 0x20;

    private static readonly Lock s_lock = new();
    private static readonly Dictionary<Eventpoll, int> s_armed = new(ReferenceEqualityComparer.Instance); // instance -> kernel descriptor
    private static bool s_changed;   // the set changed since the thread last copied it
    private static bool s_started;
    private static int s_wakeFd;     // read only once the thread is started (by it, and by WakeThread once it polls)
    private static int s_polling;    // 1 while the thread may be in poll(2) with a copy of the set

    /// <summary>
    /// Arms the watch of <paramref name="ep"/>'s kernel side for one readiness: 0, or <c>-errno</c> when the watcher
    /// could not be started (the wait then sees OS events only when something else wakes it).
    /// </summary>
    internal static int Arm(Eventpoll ep, KernelPoller k)
    {
        using (s_lock.EnterScope())
        {
            int started = StartLocked();
            if (started < 0) return started;
            if (s_armed.TryAdd(ep, k.Descriptor)) s_changed = true;
            else return 0; // armed already: the thread's set has it
        }
        if (Volatile.Read(ref s_polling) != 0) WakeThread();
        return 0;
    }

    /// <summary>Forgets a freed instance (before its kernel descriptor is closed and the number can be reused).</summary>
    internal static void Forget(Eventpoll ep)
    {
        using (s_lock.EnterScope())
        {
            if (!s_armed.Remove(ep)) return;
            s_changed = true;
        }
        // Stryker disable once Equality,Statement : unwoken, the thread only keeps the closed descriptor's file in its poll(2) until its next wakeup copies the set
        if (Volatile.Read(ref s_polling) != 0) WakeThread();
    }

    private static int StartLocked()
    {
        if (s_started) return 0;
        int wakeFd = LinuxSyscalls.EventFd(0, EfdNonBlock | EfdCloExec);
        if (wakeFd < 0) return wakeFd;
        s_wakeFd = wakeFd;
        var thread = new Thread(Run) { IsBackground = true, Name = "EventPoll kernel watcher" };
        thread.UnsafeStart();
        s_started = true;
        return 0;
    }

    private static void WakeThread()
    {
        Span<byte> one = stackalloc byte[sizeof(ulong)];
        BitConverter.TryWriteBytes(one, 1UL);
        LinuxSyscalls.Write(s_wakeFd, one);
    }

    private static void Run()
    {
        var fds = new List<LinuxSyscalls.PollFd>();
        var instances = new List<Eventpoll>();
        while (true)
        {
            Interlocked.Exchange(ref s_polling, 1); // a full fence before the set is read: Arm sees it, or this sees Arm's
            using (s_lock.EnterScope())
            {
                if (s_changed) Copy(fds, instances);
                // Stryker disable once Boolean : left true, the thread only copies the same set again each time round
                s_changed = false;
            }
            // Stryker disable once Unary : a 1 ms timeout only brings the thread round to poll the same set again
            int ready = LinuxSyscalls.Poll(CollectionsMarshal.AsSpan(fds), -1);
            // Stryker disable once Statement : left 1, Arm writes the eventfd while the thread is awake too: one more wakeup, drained
            Volatile.Write(ref s_polling, 0);
            // Stryker disable once Equality,Statement : without a timeout poll(2) never returns 0, and with EINTR it sets no revents, so the loop does nothing
            if (ready <= 0) continue; // EINTR
            if (fds[0].Revents != 0) DrainWakeups();
            for (int i = 1; i < fds.Count; i++)
            {
                if ((fds[i].Revents & (PollIn | PollErr | PollHup | PollNval)) == 0) continue;
                Eventpoll ep = instances[i - 1];
                bool armed;
                using (s_lock.EnterScope())
                {
                    armed = s_armed.Remove(ep); // one-shot: the next wait that pends arms it again
                    s_changed |= armed;
                }
                if (armed) ep.WakeWaiterForKernel();
            }
        }
    }

    private static void Copy(List<LinuxSyscalls.PollFd> fds, List<Eventpoll> instances)
    {
        fds.Clear();
        instances.Clear();
        fds.Add(new LinuxSyscalls.PollFd { Fd = s_wakeFd, Events = PollIn });
        foreach ((Eventpoll ep, int fd) in s_armed)
        {
            fds.Add(new LinuxSyscalls.PollFd { Fd = fd, Events = PollIn });
            instances.Add(ep);
        }
    }

    private static void DrainWakeups()
    {
        Span<byte> counter = stackalloc byte[sizeof(ulong)];
        LinuxSyscalls.Read(s_wakeFd, counter);
    }
}

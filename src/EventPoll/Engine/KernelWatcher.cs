using System.Collections.Concurrent;
using EventPoll.Interop;

namespace EventPoll;

/// <summary>
/// Wakes asynchronous waits of instances that have a kernel side: one process-wide thread blocked in a kernel epoll
/// of its own, which holds the kernel descriptor of every such instance with an asynchronous wait pending, armed
/// EPOLLONESHOT. When one polls readable, the thread wakes the instance's first queued waiter, which harvests on the
/// thread pool as for an in-process wakeup.
/// </summary>
/// <remarks>
/// An asynchronous wait has no thread to block in the kernel, and .NET offers no public way to hand a descriptor to its
/// own socket engine; this is that engine's shape (one epoll thread per process) for EventPoll's instances. Synchronous
/// waits never use it. Arming costs one epoll_ctl per wait that pends; the thread is started by the first one.
/// Fields: <c>s_epfd</c> and <c>s_started</c> are set once under <c>s_lock</c>; <c>s_instances</c> is a concurrent map.
/// </remarks>
internal static class KernelWatcher
{
    private const int CtlAdd = 1, CtlMod = 3, EpollCloExec = 0x80000;

    private static readonly Lock s_lock = new();
    private static readonly ConcurrentDictionary<long, Eventpoll> s_instances = new();
    private static int s_epfd = -1;  // under s_lock until set, then read-only
    private static bool s_started;   // under s_lock

    /// <summary>
    /// Arms the watch of <paramref name="ep"/>'s kernel side for one readiness: 0, or <c>-errno</c> when the watcher
    /// could not be started (the wait then sees only in-process events until it is woken otherwise).
    /// </summary>
    internal static int Arm(Eventpoll ep, KernelPoller k)
    {
        int epfd = Start();
        if (epfd < 0) return epfd;
        var ev = new EpollEvent(EpollEvents.In | EpollEvents.OneShot, (ulong)ep.Id);
        int result = LinuxSyscalls.EpollCtl(epfd, CtlMod, k.Descriptor, ev);
        if (result != -(int)Errno.ENOENT) return result;
        s_instances[ep.Id] = ep;
        result = LinuxSyscalls.EpollCtl(epfd, CtlAdd, k.Descriptor, ev);
        return result == -(int)Errno.EEXIST ? LinuxSyscalls.EpollCtl(epfd, CtlMod, k.Descriptor, ev) : result; // a racing Arm added it
    }

    /// <summary>Forgets a freed instance (its kernel descriptor's close removed it from the kernel epoll).</summary>
    internal static void Forget(Eventpoll ep) => s_instances.TryRemove(ep.Id, out _);

    private static int Start()
    {
        int epfd = Volatile.Read(ref s_epfd);
        if (epfd >= 0) return epfd;
        using (s_lock.EnterScope())
        {
            if (s_started) return s_epfd;
            epfd = LinuxSyscalls.EpollCreate1(EpollCloExec);
            if (epfd < 0) return epfd;
            var thread = new Thread(Run) { IsBackground = true, Name = "EventPoll kernel watcher" };
            thread.UnsafeStart(epfd);
            s_started = true;
            Volatile.Write(ref s_epfd, epfd);
            return epfd;
        }
    }

    private static void Run(object? state)
    {
        int epfd = (int)state!;
        var events = new EpollEvent[64];
        while (true)
        {
            int n = LinuxSyscalls.EpollWait(epfd, events, events.Length, -1);
            for (int i = 0; i < n; i++)
            {
                if (s_instances.TryGetValue((long)events[i].Data, out Eventpoll? ep)) ep.WakeWaiterForKernel();
            }
        }
    }
}

using System.Runtime.CompilerServices;
using EventPoll.Interop;
using EventPoll.Scenarios.Api;
using Microsoft.Win32.SafeHandles;

namespace EventPoll.Scenarios.Os;

/// <summary>
/// The alternative issue 14 has EventPoll's design measured against: the user's instance stays in-process only, and a
/// poller thread, blocked in a kernel epoll of its own that holds the OS descriptors, makes an in-process stand-in of
/// a descriptor (<see cref="OsProxy"/>) ready when the kernel reports it. A wait then never enters the kernel for OS
/// events and an in-process wakeup is the engine's futex wake, but every OS readiness travels through a second thread,
/// and a level-triggered stand-in must ask the kernel (poll(2)) whether its descriptor is still ready.
/// </summary>
/// <remarks>
/// Built outside the library, on EventPoll's public extension point (<see cref="OpenFile"/>, <see cref="WaitQueue"/>,
/// <see cref="DescriptorHandle"/>) and plain P/Invoke. Enough for the scenario, not a product: level-triggered
/// registrations only (edge-triggered and one-shot ones would need the stand-in to know the user's flags), Add and
/// Delete from one thread at a time, and a descriptor closed without Delete leaves its stand-in behind.
/// </remarks>
internal sealed class PollerThreadInstance : OsInstance
{
    private const ulong StopData = ulong.MaxValue;

    private readonly DescriptorTable _table = new(DescriptorTable.MaxLimit);
    private readonly Epoll _epoll;
    private readonly int _pollerEpfd = (int)EpollApi.Check(LinuxSyscalls.EpollCreate1(Posix.EPOLL_CLOEXEC), "epoll_create1");
    private readonly SafeFileHandle _stop = OsEventFd.Create();
    private readonly Thread _poller;
    private OsProxy?[] _proxies = new OsProxy?[64]; // by OS descriptor number (the poller's data word); read by the poller without locks

    internal PollerThreadInstance()
    {
        _epoll = new Epoll(_table, new WatchAccount(long.MaxValue));
        EpollApi.Check(LinuxSyscalls.EpollCtl(_pollerEpfd, Posix.EPOLL_CTL_ADD, OsEventFd.Fd(_stop), new EpollEvent(EpollEvents.In, StopData)), "epoll_ctl ADD");
        _poller = new Thread(Poll) { IsBackground = true, Name = "os bench poller" };
        _poller.UnsafeStart();
    }

    internal override Epoll InProcess => _epoll;

    [MethodImpl(MethodImplOptions.NoInlining)] // see OsInstance
    internal override void Add(SafeFileHandle os, EpollEvents events, ulong data)
    {
        int fd = OsEventFd.Fd(os);
        var proxy = new OsProxy(fd, events, _pollerEpfd, _table);
        if (fd >= _proxies.Length)
        {
            OsProxy?[] grown = new OsProxy?[Math.Max(fd + 1, 2 * _proxies.Length)];
            _proxies.CopyTo(grown);
            Volatile.Write(ref _proxies, grown);
        }
        Volatile.Write(ref _proxies[fd], proxy);
        _epoll.Add(proxy.Handle, events, data); // before the poller watches it, so its first report finds the watch
        proxy.Arm(Posix.EPOLL_CTL_ADD);
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // see OsInstance
    internal override void Delete(SafeFileHandle os)
    {
        int fd = OsEventFd.Fd(os);
        OsProxy proxy = _proxies[fd] ?? throw new InvalidOperationException($"descriptor {fd} is not registered");
        EpollApi.Check(LinuxSyscalls.EpollCtlNull(_pollerEpfd, Posix.EPOLL_CTL_DEL, fd), "epoll_ctl DEL");
        Volatile.Write(ref _proxies[fd], null);
        proxy.Handle.Dispose(); // its watch goes with its last descriptor
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // see OsInstance
    internal override int Wait(Span<EpollEvent> events, int timeoutMs) => _epoll.Wait(events, timeoutMs);

    public override void Dispose()
    {
        OsEventFd.Signal(_stop);
        _poller.Join();
        foreach (OsProxy? proxy in _proxies) proxy?.Handle.Dispose();
        _epoll.Dispose();
        LinuxSyscalls.Close(_pollerEpfd);
        _stop.Dispose();
    }

    /// <summary>The poller thread: blocks in its kernel epoll and hands each report to the descriptor's stand-in.</summary>
    private void Poll()
    {
        var events = new EpollEvent[64];
        while (true)
        {
            int n = LinuxSyscalls.EpollWait(_pollerEpfd, events, events.Length, -1);
            if (n == -(int)Errno.EINTR) continue;
            EpollApi.Check(n, "epoll_wait");
            for (int i = 0; i < n; i++)
            {
                if (events[i].Data == StopData) return;
                OsProxy?[] proxies = Volatile.Read(ref _proxies);
                // A report raced by Delete finds no stand-in, or one re-added since, which re-checks the descriptor anyway.
                (events[i].Data < (ulong)proxies.Length ? Volatile.Read(ref proxies[events[i].Data]) : null)?.Report(events[i].Events);
            }
        }
    }
}

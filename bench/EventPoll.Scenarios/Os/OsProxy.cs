using EventPoll.Interop;
using EventPoll.Scenarios.Api;

namespace EventPoll.Scenarios.Os;

/// <summary>
/// The in-process stand-in of one OS descriptor in <see cref="PollerThreadInstance"/>, a source on EventPoll's public
/// extension point: ready while the poller thread has reported the descriptor and poll(2) still finds it ready. The
/// poller's registration is one-shot, so the poller thread wakes once per readiness, not once per wait: after a report
/// it stays off the descriptor until a poll here finds the descriptor drained and re-arms it.
/// </summary>
internal sealed class OsProxy : OpenFile
{
    private readonly WaitQueue _queue = new();
    private readonly int _osFd;
    private readonly EpollEvents _interest;
    private readonly int _pollerEpfd;
    private int _reported; // 1 from the poller's report until a poll finds the descriptor not ready; interlocked

    internal OsProxy(int osFd, EpollEvents interest, int pollerEpfd, DescriptorTable table)
    {
        _osFd = osFd;
        _interest = interest;
        _pollerEpfd = pollerEpfd;
        Handle = DescriptorHandle.Open(this, table);
    }

    /// <summary>The stand-in's descriptor, which the user's instance watches.</summary>
    internal DescriptorHandle Handle { get; }

    /// <summary>Registers (ADD) or re-arms (MOD) the poller's one-shot watch; its data word is the OS descriptor.</summary>
    internal void Arm(int op) =>
        EpollApi.Check(LinuxSyscalls.EpollCtl(_pollerEpfd, op, _osFd, new EpollEvent(_interest | EpollEvents.OneShot, (ulong)_osFd)), "poller epoll_ctl");

    /// <summary>On the poller thread: the kernel reported the descriptor ready.</summary>
    internal void Report(EpollEvents events)
    {
        Interlocked.Exchange(ref _reported, 1); // the state changes before the wakeup, as a source's must
        _queue.Wake(events);
    }

    public override EpollEvents Poll(PollTable? table)
    {
        table?.Register(_queue);
        if (Volatile.Read(ref _reported) == 0) return EpollEvents.None;
        // Level-triggered: the user may have drained the descriptor since the report, and only the kernel knows.
        var now = (EpollEvents)EpollApi.Check(LinuxSyscalls.PollOne(_osFd, (short)_interest, 0), "poll");
        if (now != EpollEvents.None) return now;
        Interlocked.Exchange(ref _reported, 0);
        Arm(Posix.EPOLL_CTL_MOD); // reports again once ready, also if that happened since the poll above
        return EpollEvents.None;
    }
}

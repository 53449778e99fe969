using System.Globalization;
using System.Text;
using EventPoll.Interop;

namespace EventPoll;

internal sealed partial class Eventpoll
{
    /// <summary>Largest maxevents Linux accepts on x86-64 (Linux: EP_MAX_EVENTS = INT_MAX / 12).</summary>
    internal const int MaxEvents = int.MaxValue / 12;

    /// <summary>Whether events may be available, without locks (Linux: ep_events_available).</summary>
    internal bool EventsAvailable => _ready.MayHaveItems;

    /// <summary>
    /// Polls the instance as a file (Linux: ep_eventpoll_poll): IN|RDNORM if any queued item is really ready.
    /// Items found not ready leave the ready list; nothing is consumed, edge-triggered items included.
    /// </summary>
    public override EpollEvents Poll(PollTable? table)
    {
        table?.Register(PollWait);
        EpollEvents result = PollInProcess();
        // The OS side, outside the lock: its poll(2) and signal bookkeeping need none.
        if (result == EpollEvents.None && Volatile.Read(ref _kernel) is KernelPoller k && KernelReadable(k)) result = EpollEvents.In | EpollEvents.RdNorm;
        return result;
    }

    /// <summary>The in-process half of <see cref="Poll"/>: the scan of the ready list, which drops items found not ready.</summary>
    private EpollEvents PollInProcess()
    {
        EpollEvents result = EpollEvents.None;
        bool droppedAny = false;
        bool deferring = false; // see PollQueued
        try
        {
            using (EnterMtx(deferReleases: false))
            {
                _ready.StartScan();
                while (_ready.Pop() is EpItem item)
                {
                    Interlocked.Exchange(ref item.Queued, 0); // a callback from here on queues it again
                    if (item.KernelHeld) continue;
                    if (PollQueued(item, item.Events, ref deferring) == 0)
                    {
                        droppedAny = true;
                        continue;
                    }
                    if (Interlocked.CompareExchange(ref item.Queued, 1, 0) == 0) _ready.PushFront(item);
                    result = EpollEvents.In | EpollEvents.RdNorm;
                    break;
                }
                _ready.DoneScan(null, null);
            }
        }
        finally
        {
            if (deferring) OpenFile.DeferredRelease.Exit();
        }
        if (droppedAny) PollScansDropping++;
        if (result != EpollEvents.None) PollScansStoppedAtReady++;
        return result;
    }

    /// <summary>
    /// Harvests up to <paramref name="events"/>.Length ready events (Linux: ep_send_events). Each item is
    /// re-polled; not-ready items are dropped; ONESHOT items are disabled; level-triggered items go back at
    /// the tail; items not reached keep their place at the head. Wakes the next waiter if items remain.
    /// </summary>
    internal int Harvest(Span<EpollEvent> events)
    {
        int count = 0;
        bool deferring = false; // see PollQueued
        try
        {
            // Stryker disable once Boolean : deferring for the whole scope only adds a thread-static count: PollQueued defers for every release a harvest's polls can cause, and both run them after the unlock
            using (EnterMtx(deferReleases: false))
            {
                _ready.StartScan();
                EpItem? requeuedHead = null, requeuedTail = null;
                while (count < events.Length && _ready.Pop() is EpItem item)
                {
                    Interlocked.Exchange(ref item.Queued, 0); // full fence before the poll: see ReadyList
                    if (item.KernelHeld) continue; // queued before the kernel took it over: the kernel reports it now
                    // A MOD may run concurrently (it takes no interest lock): report and act on one consistent pair.
                    (uint settings, ulong data) = item.ReadSettings();
                    uint revents = PollQueued(item, settings, ref deferring);
                    if (revents == 0) continue;
                    events[count++] = new EpollEvent((EpollEvents)revents, data);
                    if ((settings & (uint)EpollEvents.OneShot) != 0)
                    {
                        item.DisableIfUnchanged(settings, data);
                    }
                    else if ((settings & (uint)EpollEvents.EdgeTriggered) == 0 && Interlocked.CompareExchange(ref item.Queued, 1, 0) == 0)
                    {
                        if (requeuedTail is null) requeuedHead = item; else requeuedTail.NextReady = item;
                        requeuedTail = item;
                    }
                }
                _ready.DoneScan(requeuedHead, requeuedTail);
            }
        }
        finally
        {
            if (deferring) OpenFile.DeferredRelease.Exit();
        }
        // The baton pass of ep_done_scan: a second waiter harvests what this one left (selftest epoll9/64). Linux
        // wakes under ep->lock; here it follows the unlock, so the futex call that may wake the waiter does not
        // lengthen the interest lock's hold, and the woken waiter does not find the lock still held.
        if (_ready.MayHaveItems && _waiters.HasWaiters) _waiters.WakeOne();
        return count;
    }

    /// <summary>
    /// epoll_wait (Linux: ep_poll). Returns the number of events, 0 on timeout, or <c>-errno</c>: EINVAL for a
    /// bad maxevents, EINTR when cancelled before any event was available. <paramref name="timeoutMs"/>:
    /// negative waits forever, 0 never blocks.
    /// </summary>
    internal int Wait(Span<EpollEvent> events, int maxEvents, long timeoutMs, in WaitCancellation cancellation)
    {
        if (maxEvents <= 0 || maxEvents > MaxEvents) return InvalidMaxEvents(maxEvents);
        Span<EpollEvent> buffer = events[..Math.Min(maxEvents, events.Length)];
        var deadline = new Deadline(timeoutMs);
        bool timedOut = timeoutMs == 0;
        return Volatile.Read(ref _kernel) is KernelPoller k
            ? WaitWithKernel(buffer, deadline, timedOut, in cancellation, k)
            : WaitInProcess(buffer, deadline, timedOut, in cancellation);
    }

    /// <summary>The wait of an instance without a kernel side (until one is made while it sleeps).</summary>
    private int WaitInProcess(Span<EpollEvent> buffer, Deadline deadline, bool timedOut, in WaitCancellation cancellation)
    {
        bool available = EventsAvailable;
        ThreadWaiter? waiter = null;
        while (true)
        {
            if (Volatile.Read(ref _kernel) is KernelPoller k) return WaitWithKernel(buffer, deadline, timedOut, in cancellation, k);
            if (available)
            {
                int count = Harvest(buffer);
                if (count != 0) return count;
            }
            if (timedOut) return 0;
            if (cancellation.IsCancellationRequested) return -(int)Errno.EINTR; // no sentence: nobody reads one (see Failure's remarks)

            // Stryker disable once Assignment : the thread's one waiter either way; ??= only skips the thread-static read on later turns
            waiter ??= ThreadWaiter.Current;
            waiter.Reset();
            _waiters.Add(waiter, cancellation.Handle); // full fence: a producer either sees this waiter or we see its item
            available = EventsAvailable;
            if (!available)
            {
                bool signalled = waiter.Block(deadline, cancellation);
                timedOut = !signalled && deadline.HasPassed;
            }
            available = true;
            if (_waiters.Remove(waiter) && timedOut) available = false; // not woken: nothing to harvest
        }
    }

    /// <summary>EINVAL for a maxevents outside 1..<see cref="MaxEvents"/>, saying so.</summary>
    internal static int InvalidMaxEvents(long maxEvents)
        => Failure.Of(Errno.EINVAL, $"maxevents must be between 1 and {MaxEvents}, got {maxEvents}");

    /// <summary>Appends this instance's fdinfo lines (Linux: ep_show_fdinfo), in the kernel tree's order.</summary>
    internal void ShowFdInfo(StringBuilder text)
    {
        using (EnterMtx())
        {
            EpItem[] items = _items.ToArray();
            Array.Sort(items, static (a, b) => a.File.Id != b.File.Id ? a.File.Id.CompareTo(b.File.Id) : a.Fd.CompareTo(b.Fd));
            foreach (EpItem item in items)
            {
                (uint events, ulong data) = item.ReadSettings();
                text.Append(CultureInfo.InvariantCulture,
                    $"tfd: {item.Fd,8} events: {events,8:x} data: {data,16:x}  pos:{item.File.Position} ino:{item.File.Inode:x} sdev:{item.File.DeviceId:x}\n");
            }
        }
        AppendKernelFdInfo(text);
    }

    /// <summary>A copy of the registered items (for topology checks and tests).</summary>
    internal EpItem[] SnapshotItems()
    {
        using (EnterMtx()) return _items.ToArray();
    }
}

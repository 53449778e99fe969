using System.Runtime.CompilerServices;
using EventPoll.Interop;

namespace EventPoll;

/// <summary>
/// The waits and harvests of an instance with a kernel side: in-process events first or the kernel's turn, one thread
/// leading in the kernel, the kernel's batch turned into the user's. Eventpoll.Kernel.cs states the order, the fairness
/// bound, the threads and the fields these use.
/// </summary>
internal sealed partial class Eventpoll
{
    /// <summary>
    /// Harvests up to <paramref name="buffer"/>.Length events from both sides without blocking, in the order the
    /// remarks give: 0 when there are none, or <c>-errno</c> from the kernel.
    /// </summary>
    internal int HarvestBoth(Span<EpollEvent> buffer)
    {
        if (Volatile.Read(ref _kernel) is not KernelPoller k) return Harvest(buffer);
        int count = HarvestInProcessFirst(buffer, k);
        return count != 0 ? count : HarvestKernelThenInProcess(buffer, k, Deadline.Passed, leading: false);
    }

    /// <summary>
    /// The in-process half, unless the kernel's turn has come and the kernel may have events: its count (0 when it did
    /// not run or found nothing).
    /// </summary>
    private int HarvestInProcessFirst(Span<EpollEvent> buffer, KernelPoller k)
    {
        if (!EventsAvailable) return 0;
        bool kernelsTurn = _inProcessStreak >= _osFairnessBound;
        if (kernelsTurn && !KernelsTurnFindsNothing(k)) return 0;
        int count = Harvest(buffer);
        if (count == 0) return 0;
        LastBatchFromKernel = 0;
        _inProcessStreak = kernelsTurn ? 0 : _inProcessStreak + 1;
        RetractStaleSignal(k);
        return count;
    }

    /// <summary>
    /// The kernel's turn served without a system call when the kernel side knows its epoll has nothing
    /// (<see cref="KernelPoller.TurnFindsNothing"/>): true then, the turn counted and the bound adapted as for a turn
    /// whose epoll_wait found nothing. False when the caller asks the kernel, as it does next.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // once in up to 65 waits: out of the usual wait's frame
    private bool KernelsTurnFindsNothing(KernelPoller k)
    {
        if (!k.TurnFindsNothing()) return false;
        AdaptOsFairnessBound(kernelsTurn: true, foundOsEvents: false);
        return true;
    }

    /// <summary>
    /// One epoll_wait until <paramref name="deadline"/>, then in-process events into the rest of the buffer;
    /// <paramref name="leading"/> when the caller is the thread that leads in the kernel (only it may block).
    /// </summary>
    private int HarvestKernelThenInProcess(Span<EpollEvent> buffer, KernelPoller k, Deadline deadline, bool leading)
    {
        bool kernelsTurn = IsKernelsTurn;
        RetractSignalBeforeKernelWait(k, leading);
        int count = k.Wait(buffer, deadline);
        // Stryker disable once Conditional : epoll_wait on the instance's own open epoll into a non-empty buffer fails only with EINTR, which KernelPoller.Wait retries
        return count < 0 ? count : TakeKernelBatch(buffer, count, k, leading, kernelsTurn);
    }

    /// <summary>Whether a kernel wait now is the kernel's turn: asked first though in-process events are ready.</summary>
    private bool IsKernelsTurn => _inProcessStreak >= _osFairnessBound && EventsAvailable;

    /// <summary>
    /// The rest of <see cref="HarvestKernelThenInProcess"/> once the kernel wrote <paramref name="count"/> events: the
    /// user's events kept, the fairness bound adapted, in-process events into the rest of the buffer. Returns the count.
    /// </summary>
    private int TakeKernelBatch(Span<EpollEvent> buffer, int count, KernelPoller k, bool leading, bool kernelsTurn)
    {
        k.ScanReturned(count);
        if (kernelsTurn && count == 0) k.QuietTurnScanned();
        count = KeepUserEvents(buffer, count, k, leading);
        LastBatchFromKernel = count;
        _inProcessStreak = 0;
        AdaptOsFairnessBound(kernelsTurn, foundOsEvents: count != 0);
        // Stryker disable once Logical,Equality : a harvest into no room, or of an empty ready list, takes and changes nothing (the check saves its lock)
        if (count < buffer.Length && EventsAvailable) count += Harvest(buffer[count..]);
        RetractStaleSignal(k);
        return count;
    }

    /// <summary>
    /// After a kernel wait (see the remarks): OS events set the bound back to its least; a kernel's turn that found none
    /// doubles it, up to its most. Other waits that found none (the in-process list was empty) leave it as it is.
    /// </summary>
    private void AdaptOsFairnessBound(bool kernelsTurn, bool foundOsEvents)
    {
        if (kernelsTurn) KernelTurns++;
        if (foundOsEvents)
        {
            if (_osFairnessBound != MinOsFairnessBound) _osFairnessBound = MinOsFairnessBound; // no store per wait where it is already
        }
        else if (kernelsTurn) _osFairnessBound = Math.Min(_osFairnessBound * 2, MaxOsFairnessBound);
    }

    /// <summary>
    /// Turns the kernel's batch into the user's (Linux: what ep_send_events would have reported): the signal's event
    /// dropped, tags translated, watched instances re-checked when their signal may be stale. Returns the count kept.
    /// </summary>
    private int KeepUserEvents(Span<EpollEvent> events, int count, KernelPoller k, bool leading)
    {
        int kept = 0;
        for (int i = 0; i < count; i++)
        {
            // The word is read in place and a user's event stays where the kernel wrote it: a copy of the packed 12-byte
            // event through the stack, read back as its data word, stalled store-to-load forwarding (~7 ns a wait).
            if (KernelDataWords.IsReserved(events[i].Data))
            {
                EpollEvent e = events[i];
                if (!TranslateReserved(ref e, k, leading)) continue;
                events[kept++] = e;
            }
            else if (kept++ != i)
            {
                events[kept - 1] = events[i];
            }
        }
        return kept;
    }

    /// <summary>Translates one event carrying a reserved word; false to drop it.</summary>
    private bool TranslateReserved(ref EpollEvent e, KernelPoller k, bool leading)
    {
        if (e.Data == KernelPoller.SignalData)
        {
            k.SignalSeen();
            // The signal's edge may be the wakeup of the thread blocked in the kernel (its cancellation, or an
            // in-process event for it); a zero-timeout harvest of another thread that took it passes it on, or
            // that thread stays blocked.
            if (!leading && k.HasLeader) k.Signal();
            return false;
        }
        if (!_words!.TryResolve(e.Data, out ulong data, out EpItem? item)) return false; // removed since it was queued
        if (item is null)
        {
            e = new EpollEvent(e.Events, data);
            return true;
        }
        (uint settings, ulong itemData) = item.ReadSettings();
        var watched = (Eventpoll)item.File;
        if (!watched.ReadyForWatcher()) // a stale signal anywhere below can have made the kernel report it
        {
            // The kernel saw a stale signal: Linux would have found the instance not ready and kept a ONESHOT armed.
            if ((settings & (uint)EpollEvents.OneShot) != 0) ReArmInKernel(item);
            return false;
        }
        if ((settings & (uint)EpollEvents.OneShot) != 0) item.DisableIfUnchanged(settings, itemData); // the kernel disarmed it
        e = new EpollEvent(e.Events, itemData);
        return true;
    }

    private void ReArmInKernel(EpItem item)
    {
        using (EnterMtx()) ModifyInKernel(item);
    }

    /// <summary>Whether this instance is ready as a watcher's kernel sees it, a stale signal taken back first.</summary>
    private bool ReadyForWatcher() => Poll(null) != EpollEvents.None;

    /// <summary>
    /// epoll_wait on an instance with a kernel side (see the remarks): the count, 0 on timeout, or <c>-errno</c>
    /// (EINTR when cancelled before any event).
    /// </summary>
    private int WaitWithKernel(Span<EpollEvent> buffer, Deadline deadline, bool timedOut, in WaitCancellation cancellation, KernelPoller k)
    {
        // The usual wait, small enough to inline: in-process events, or this thread leads and the kernel has events. The
        // rest is out of line, so its locals and calls are no part of the frame the usual wait runs in.
        int count = HarvestInProcessFirst(buffer, k);
        if (count != 0) return count;
        if (timedOut || cancellation.IsCancellationRequested || !k.TryLead()) return WaitWithKernelAgain(buffer, deadline, timedOut, in cancellation, k, led: false);
        count = LeadKernelWait(buffer, deadline, in cancellation, k);
        return count != 0 ? count : WaitWithKernelAgain(buffer, deadline, timedOut, in cancellation, k, led: true);
    }

    /// <summary>
    /// <see cref="WaitWithKernel"/> after its first attempt found nothing: <paramref name="led"/> when that attempt led
    /// (its kernel wait ended empty), else it did not lead and the kernel is asked without blocking first. Then, until
    /// events, the deadline or a cancellation: a thread that cannot lead sleeps until in-process events, the leader
    /// leaving, or the deadline, and tries again.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int WaitWithKernelAgain(Span<EpollEvent> buffer, Deadline deadline, bool timedOut, in WaitCancellation cancellation, KernelPoller k, bool led)
    {
        bool leading = led;
        int count = leading ? 0 : HarvestKernelThenInProcess(buffer, k, Deadline.Passed, leading: false);
        ThreadWaiter? waiter = null;
        while (count == 0)
        {
            if (timedOut || deadline.HasPassed) return 0;
            if (cancellation.IsCancellationRequested) return -(int)Errno.EINTR; // no sentence: nobody reads one (see Failure's remarks)
            if (!leading)
            {
                // Stryker disable once Assignment : ThreadWaiter.Current is this thread's one waiter, the same object each time (the ??= saves a thread-static read)
                waiter ??= ThreadWaiter.Current;
                waiter.Reset();
                _waiters.Add(waiter, cancellation.Handle); // full fence: the leader either sees this waiter or this sees it gone
                if (!EventsAvailable && k.HasLeader)
                {
                    bool signalled = waiter.Block(deadline, cancellation);
                    timedOut = !signalled && deadline.HasPassed;
                }
                _waiters.Remove(waiter);
            }
            count = HarvestInProcessFirst(buffer, k);
            if (count != 0) return count;
            leading = !timedOut && !cancellation.IsCancellationRequested && k.TryLead();
            count = leading ? LeadKernelWait(buffer, deadline, in cancellation, k) : HarvestKernelThenInProcess(buffer, k, Deadline.Passed, leading: false);
        }
        return count;
    }

    /// <summary>
    /// The leader's harvest (after a successful <see cref="KernelPoller.TryLead"/>), blocking in the kernel until
    /// <paramref name="deadline"/> unless events or a cancellation are there already; then it ends the lead, waking a
    /// waiting thread to take it over.
    /// </summary>
    /// <remarks>
    /// A frame of its own with the system call inlined into it, and no try around that call. The kernel refills the
    /// return stack buffer on its way out (SRSO and RSB-filling mitigations), so each managed frame the wait returns
    /// through mispredicts its return: ~6 ns a frame here, as much as the rest of the engine's work. The JIT inlines no
    /// P/Invoke inside a try region, and left inline this method would sit in its callers' (the handle's use count is
    /// released in a finally). So nothing from <see cref="KernelPoller.TryLead"/> up to the kernel's answer may throw
    /// (field reads and the signal eventfd's system calls do not), and the lead is ended in a finally around what
    /// follows, which can run a source's Poll.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int LeadKernelWait(Span<EpollEvent> buffer, Deadline deadline, in WaitCancellation cancellation, KernelPoller k)
    {
        // Leading (a full fence) before these re-checks: an in-process wakeup or a handle's disposal from here on
        // signals the kernel (EndWaitsThrough); the caller's token does so through its callback.
        if (EventsAvailable || cancellation.IsCancellationRequested) deadline = Deadline.Passed;
        else if (cancellation.Caller.CanBeCanceled) return HarvestKernelCancellably(buffer, k, deadline, cancellation);
        bool kernelsTurn = IsKernelsTurn;
        RetractSignalBeforeKernelWait(k, leading: true);
        int count = k.Wait(buffer, deadline);
        try
        {
            // Stryker disable once Conditional : epoll_wait on the instance's own open epoll into a non-empty buffer fails only with EINTR, which KernelPoller.Wait retries
            return count < 0 ? count : TakeKernelBatch(buffer, count, k, leading: true, kernelsTurn);
        }
        finally
        {
            EndLead(k);
        }
    }

    /// <summary>
    /// The leader's blocking harvest when the caller's token can be cancelled: its callback signals the kernel side. Out of
    /// line, so the registration is no local of the usual wait's frame (which the JIT would zero on every call).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int HarvestKernelCancellably(Span<EpollEvent> buffer, KernelPoller k, Deadline deadline, in WaitCancellation cancellation)
    {
        try
        {
            using CancellationTokenRegistration registration = cancellation.Register(static state => ((KernelPoller)state!).Signal(), k);
            return HarvestKernelThenInProcess(buffer, k, deadline, leading: true);
        }
        finally
        {
            EndLead(k);
        }
    }

    /// <summary>Ends this thread's lead in the kernel side and wakes a waiting thread to lead next.</summary>
    private void EndLead(KernelPoller k)
    {
        k.EndLead();
        if (_waiters.HasWaiters) _waiters.WakeOne();
    }
}

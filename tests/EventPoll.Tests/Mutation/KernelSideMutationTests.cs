using System.Globalization;
using EventPoll.Interop;
using EventPoll.Tests.Os;
using EventPoll.Tests.Rules;
using EventPoll.Tests.Traces;
using EventPoll.Tests.Support;
using Microsoft.Win32.SafeHandles;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The kernel side's registrations (Eventpoll.Kernel.cs): the sentence a refused OS ctl carries, a refusal on the
/// path that keeps a slot for a reserved data word, and what removing a watched instance held in the kernel undoes.
/// Mutation testing found each unpinned.
/// </summary>
public sealed class KernelSideMutationTests : HandleOwner
{
    private const EpollEvents In = EpollEvents.In;
    private const ulong ReservedWord = KernelDataWords.ReservedBase + 5;

    private static string Refused(string errno, string op, SafeFileHandle os)
        => $"{errno}: the kernel refused EPOLL_CTL_{op} of the OS descriptor (epoll_ctl {op}, OS descriptor {OsFd.Number(os)})";

    [LinuxFact]
    public void TheKernelsRefusalOfAnOsCtl_SaysSo_AndNamesTheOperation()
    {
        Epoll ep = Own(new Epoll(Table));
        SafeFileHandle os = Own(OsFd.EventFd());
        SafeFileHandle other = Own(OsFd.EventFd());
        ep.Add(os, In);
        Refusal.Assert(Errno.EEXIST, Refused("EEXIST", "ADD", os), () => ep.Add(os, In));
        Refusal.Assert(Errno.ENOENT, Refused("ENOENT", "MOD", other), () => ep.Modify(other, In));
        Refusal.Assert(Errno.ENOENT, Refused("ENOENT", "DEL", other), () => ep.Delete(other));
    }

    [LinuxFact]
    public void TheKernelsRefusalOfAnAddWithAReservedDataWord_ReachesTheCaller_AndTheFirstRegistrationKeepsItsWord()
    {
        Epoll ep = Own(new Epoll(Table));
        SafeFileHandle os = Own(OsFd.EventFd());
        ep.Add(os, In, ReservedWord);
        Refusal.Assert(Errno.EEXIST, Refused("EEXIST", "ADD", os), () => ep.Add(os, In, ReservedWord + 1));
        OsFd.Signal(os);
        var buffer = new EpollEvent[4];
        Assert.Equal(1, ep.Wait(buffer, 0));
        Assert.Equal(new EpollEvent(In, ReservedWord), buffer[0]);
    }

    /// <summary>An instance with an OS eventfd registered under a reserved data word (so under a slot), and a second OS eventfd not registered.</summary>
    private (Epoll Ep, SafeFileHandle Os, SafeFileHandle Next) AnOsRegistrationWithAReservedWord()
    {
        Epoll ep = Own(new Epoll(Table));
        SafeFileHandle os = Own(OsFd.EventFd());
        ep.Add(os, In, ReservedWord);
        return (ep, os, Own(OsFd.EventFd()));
    }

    [LinuxFact]
    public void ARefusedAddsSlot_IsTheNextRegistrationsSlot()
    {
        (Epoll ep, SafeFileHandle os, SafeFileHandle next) = AnOsRegistrationWithAReservedWord();
        Assert.Throws<EpollException>(() => ep.Add(os, In, ReservedWord + 1)); // took a slot, then gave it back
        ep.Add(next, In, ReservedWord + 2);
        ulong first = Assert.Single(Tagged(ep), r => r.Fd == OsFd.Number(os)).Tag;
        ulong second = Assert.Single(Tagged(ep), r => r.Fd == OsFd.Number(next)).Tag;
        Assert.Equal(SlotOf(first) + 1, SlotOf(second)); // the refused ADD's slot, freed, not leaked
    }

    [LinuxFact]
    public void ADeletedOsRegistrationsSlot_IsTheNextRegistrationsSlot()
    {
        (Epoll ep, SafeFileHandle os, SafeFileHandle next) = AnOsRegistrationWithAReservedWord();
        ulong first = Assert.Single(Tagged(ep)).Tag;
        ep.Delete(os);
        ep.Add(next, In, ReservedWord + 1);
        ulong second = Assert.Single(Tagged(ep)).Tag;
        Assert.Equal(SlotOf(first), SlotOf(second)); // the DEL freed the slot its number had recorded
        OsFd.Signal(next);
        var buffer = new EpollEvent[4];
        Assert.Equal(1, ep.Wait(buffer, 0));
        Assert.Equal(new EpollEvent(In, ReservedWord + 1), buffer[0]);
    }

    /// <summary>
    /// An instance with an in-process eventfd (data 1) and an OS eventfd (data 2), held in a kernel watcher's kernel
    /// side: every in-process wakeup of it writes its signal eventfd.
    /// </summary>
    private (Epoll Ep, EventFd InProcess, SafeFileHandle Os) AWatchedInstanceWithAnInProcessAndAnOsEventFd()
    {
        Epoll ep = Own(new Epoll(Table));
        Epoll watcher = Own(new Epoll(Table));
        EventFd inProcess = Own(new EventFd(table: Table));
        SafeFileHandle os = Own(OsFd.EventFd());
        ep.Add(inProcess, In, 1);
        ep.Add(os, In, 2);
        watcher.Add(ep, In, 9);
        return (ep, inProcess, os);
    }

    [LinuxFact]
    public void OnTheKernelsTurn_AnOsEventBehindTheSignalsEvent_TakesItsPlaceInTheBatch()
    {
        (Epoll ep, EventFd inProcess, SafeFileHandle os) = AWatchedInstanceWithAnInProcessAndAnOsEventFd();
        inProcess.Signal(); // the signal's event is first on the kernel's ready list...
        OsFd.Signal(os);    // ...the OS eventfd's second
        var buffer = new EpollEvent[4];
        for (int i = 0; i < Eventpoll.MinOsFairnessBound; i++)
        {
            Assert.Equal(1, ep.Wait(buffer, 0)); // served in-process alone (level-triggered, so ready every time)
            Assert.Equal(new EpollEvent(In, 1), buffer[0]);
        }
        Assert.Equal(2, ep.Wait(buffer, 0)); // the kernel's turn: its batch first, the signal's event dropped from it
        Assert.Equal(1, ep.Instance.KernelTurns);
        Assert.Equal(new EpollEvent(In, 2), buffer[0]);
        Assert.Equal(new EpollEvent(In, 1), buffer[1]);
    }

    [LinuxFact]
    public void ABlockingWaitOnTheKernelsTurn_WithInProcessEventsReady_CountsTheTurn_AndReturnsThemWithoutWaitingOutItsTimeout()
    {
        Epoll ep = Own(new Epoll(Table));
        EventFd inProcess = Own(new EventFd(table: Table));
        ep.Add(inProcess, In, 1);
        ep.Add(Own(OsFd.EventFd()), In, 2); // a kernel side with nothing ready
        inProcess.Signal();
        var buffer = new EpollEvent[4];
        for (int i = 0; i < Eventpoll.MinOsFairnessBound; i++) Assert.Equal(1, ep.Wait(buffer, 0));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(1, ep.Wait(buffer, Failsafe.Limit)); // the kernel's turn: this thread leads, asks the kernel without blocking
        Assert.True(clock.Elapsed < Failsafe.Limit, "the wait blocked though an in-process event was ready");
        Assert.Equal(new EpollEvent(In, 1), buffer[0]);
        Assert.Equal(1, ep.Instance.KernelTurns);
    }

    [LinuxFact]
    public void AHarvestThatEmptiesAWatchedInstance_TakesItsSignalBack_SoItsKernelEpollStopsPollingReadable()
    {
        Epoll ep = Own(new Epoll(Table));
        Epoll watcher = Own(new Epoll(Table));
        EventFd inProcess = Own(new EventFd(table: Table));
        ep.Add(inProcess, In | EpollEvents.EdgeTriggered, 1);
        ep.Add(Own(OsFd.EventFd()), In, 2); // a kernel side
        watcher.Add(ep, In, 9);
        inProcess.Signal(); // a wakeup while watched: the signal eventfd is written
        KernelPoller k = ep.Instance.Kernel!;
        Assert.True(k.PollReadable());
        var buffer = new EpollEvent[4];
        Assert.Equal(1, ep.Wait(buffer, 0)); // edge-triggered: nothing stays queued in-process
        Assert.False(k.Signalled);
        Assert.False(k.PollReadable()); // else the watcher's kernel would report ep ready with nothing in it
    }

    /// <summary>
    /// A watched instance whose signal is pending though nothing is ready in-process (its eventfd was read after the
    /// wakeup), with an OS eventfd readable after the signal, so the kernel's ready list has the signal's event first.
    /// </summary>
    private (Epoll Ep, KernelPoller K) AStaleSignalAheadOfAnOsEvent()
    {
        (Epoll ep, EventFd inProcess, SafeFileHandle os) = AWatchedInstanceWithAnInProcessAndAnOsEventFd();
        inProcess.Signal(); // queued in-process, and the signal eventfd written for the watcher
        inProcess.Consume(); // the queued item is not ready any more: the signal is stale
        OsFd.Signal(os);
        Assert.True(ep.Instance.Kernel!.Signalled);
        return (ep, ep.Instance.Kernel!);
    }

    [LinuxFact]
    public void AStaleSignal_IsTakenBackBeforeAKernelWait_SoItTakesNoSlotOfTheBatch()
    {
        (Epoll ep, _) = AStaleSignalAheadOfAnOsEvent();
        var buffer = new EpollEvent[1];
        Assert.Equal(1, ep.Wait(buffer, 0));
        Assert.Equal(new EpollEvent(In, 2), buffer[0]);
    }

    [LinuxFact]
    public void AStaleSignal_IsTakenBackBeforeTheLeadersKernelWait_WhichThenAsksTheKernelOnce()
    {
        (Epoll ep, KernelPoller k) = AStaleSignalAheadOfAnOsEvent();
        var buffer = new EpollEvent[1];
        long calls = k.WaitCalls;
        Assert.Equal(1, ep.Wait(buffer, Failsafe.Limit));
        Assert.Equal(new EpollEvent(In, 2), buffer[0]);
        Assert.Equal(calls + 1, k.WaitCalls); // not a first epoll_wait that found only the signal's event
    }

    [LinuxFact]
    public void AStaleSignal_IsTakenBackBeforeTheLeadersKernelWait_UnderACancellableToken_Too()
    {
        (Epoll ep, KernelPoller k) = AStaleSignalAheadOfAnOsEvent();
        using var cancellation = new CancellationTokenSource();
        var buffer = new EpollEvent[1];
        long calls = k.WaitCalls;
        Assert.Equal(1, ep.Wait(buffer, Failsafe.Limit, cancellation.Token));
        Assert.Equal(new EpollEvent(In, 2), buffer[0]);
        Assert.Equal(calls + 1, k.WaitCalls);
    }

    /// <summary>
    /// An outer instance holding, in its kernel side, an inner instance that has a kernel side (an OS eventfd) and an
    /// in-process eventfd; the outer then deletes it.
    /// </summary>
    private (Epoll Outer, Epoll Inner, SafeFileHandle Os, EventFd InProcess) InnerDeletedFromItsKernelWatcher()
    {
        Epoll outer = Own(new Epoll(Table));
        Epoll inner = Own(new Epoll(Table));
        SafeFileHandle os = Own(OsFd.EventFd());
        EventFd inProcess = Own(new EventFd(table: Table));
        inner.Add(os, In, 1);
        inner.Add(inProcess, In, 2);
        outer.Add(inner, In, 3);
        Assert.NotNull(outer.Instance.Kernel); // the registration is a kernel one
        outer.Delete(inner);
        return (outer, inner, os, inProcess);
    }

    [LinuxFact]
    public void ADeletedWatchedInstance_IsGoneFromTheWatchersKernelEpoll()
    {
        (Epoll outer, _, SafeFileHandle os, _) = InnerDeletedFromItsKernelWatcher();
        OsFd.Signal(os); // the inner instance's kernel epoll is readable now
        Assert.Equal(EpollEvents.None, outer.Poll(In));
        Assert.False(outer.Instance.Kernel!.PollReadable());
    }

    [LinuxFact]
    public void ADeletedWatchedInstance_IsNoLongerWatched_SoItsInProcessWakeupsWriteNoSignal()
    {
        (_, Epoll inner, _, EventFd inProcess) = InnerDeletedFromItsKernelWatcher();
        KernelPoller k = inner.Instance.Kernel!;
        long writes = k.SignalWrites;
        inProcess.Signal(); // an in-process wakeup with no watcher and no thread in the kernel: nobody to tell
        Assert.Equal(writes, k.SignalWrites);
        Assert.False(k.Signalled);
    }

    [LinuxFact]
    public void ADeletedWatchedInstance_LeavesNoDescriptorOfItsKernelEpollOpen()
    {
        Epoll outer = Own(new Epoll(Table));
        Epoll inner = Own(new Epoll(Table));
        SafeFileHandle os = Own(OsFd.EventFd());
        inner.Add(os, In, 1);
        outer.Add(inner, In, 3);
        int dup = Assert.Single(Tagged(outer)).Fd; // the descriptor the outer's kernel epoll holds the inner's under
        string innerRegistrations = FdInfoRegistrations(inner.Instance.Kernel!.Descriptor);
        Assert.Equal(innerRegistrations, FdInfoRegistrations(dup));
        outer.Delete(inner);
        // Closed: the number is free, or another file took it (never the inner's kernel epoll, which keeps its own).
        Assert.NotEqual(innerRegistrations, FdInfoRegistrations(dup));
    }

    [LinuxFact]
    public void ADeletedWatchedInstancesSlot_IsTheNextRegistrationsSlot()
    {
        Epoll outer = Own(new Epoll(Table));
        Epoll inner = Own(new Epoll(Table));
        Epoll next = Own(new Epoll(Table));
        inner.Add(Own(OsFd.EventFd()), In, 1);
        next.Add(Own(OsFd.EventFd()), In, 1);
        outer.Add(inner, In, 3);
        ulong first = Assert.Single(Tagged(outer)).Tag;
        outer.Delete(inner);
        outer.Add(next, In, 4);
        ulong second = Assert.Single(Tagged(outer)).Tag;
        Assert.Equal(SlotOf(first), SlotOf(second)); // freed and reused, not leaked (a new generation tells them apart)
        Assert.NotEqual(first, second);
    }

    private static ulong SlotOf(ulong tag) => (tag - KernelDataWords.ReservedBase) & 0xF_FFFF;

    /// <summary>The registrations an instance's kernel epoll holds under a tag (a slot), as its fdinfo lists them: descriptor and tag.</summary>
    private static List<(int Fd, ulong Tag)> Tagged(Epoll watcher)
    {
        var held = new List<(int, ulong)>();
        foreach (string line in FdInfoRegistrations(watcher.Instance.Kernel!.Descriptor).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "tfd: %8d events: %8x data: %16llx  pos:..."
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int fd = int.Parse(words[1], CultureInfo.InvariantCulture);
            ulong data = ulong.Parse(words[5], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (KernelDataWords.IsReserved(data) && data != KernelPoller.SignalData) held.Add((fd, data));
        }
        return held;
    }

    /// <summary>The "tfd:" lines of /proc/self/fdinfo/<paramref name="fd"/> (an epoll's registrations), or "" when the number is not open.</summary>
    private static string FdInfoRegistrations(int fd)
    {
        string path = string.Create(CultureInfo.InvariantCulture, $"/proc/self/fdinfo/{fd}");
        try
        {
            return string.Join('\n', File.ReadLines(path).Where(line => line.StartsWith("tfd:", StringComparison.Ordinal)));
        }
        catch (FileNotFoundException)
        {
            return "";
        }
    }
}

using EventPoll.Interop;
using EventPoll.Tests.Os;
using EventPoll.Tests.Traces;
using EventPoll.Tests.Support;
using Microsoft.Win32.SafeHandles;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The harvest of a watched instance held in the watcher's kernel epoll (Eventpoll.KernelWait.cs, TranslateReserved):
/// a registration deleted after the kernel reported it, a report the watched instance's own poll finds stale (its
/// ONESHOT re-armed in the kernel), and a ONESHOT the kernel disarmed. Mutation testing found these paths unreached.
/// Each window between the watcher's kernel wait and its translation of the batch is made deterministic with a poll
/// hook on an in-process file of the watched instance: the harvest polls the instance to check the kernel's report,
/// and the hook acts only once the watcher's kernel wait has returned.
/// </summary>
public sealed class KernelHarvestMutationTests : HookedFileTests
{
    private const EpollEvents In = EpollEvents.In;
    private const ulong AData = 1, BData = 2, CData = 3;
    private readonly EpollEvent[] _events = new EpollEvent[4];

    /// <summary>A watched instance with a kernel side (an idle OS eventfd) and an in-process file, ready, whose poll the test hooks.</summary>
    private (Epoll Watched, FakeFile File) AWatchedInstanceWithAReadyFile()
    {
        (Epoll watched, FakeFile file) = AnInstanceWithAKernelSideAndAFile();
        file.Set(In);
        return (watched, file);
    }

    /// <summary>Runs <paramref name="act"/> once, at the first poll of <paramref name="file"/> after <paramref name="watcher"/>'s next kernel wait.</summary>
    private static void AfterTheNextKernelWait(Epoll watcher, FakeFile file, Action act)
        => AtTheNextPoll(file, act, after: Outcome.Engine(watcher).Kernel!);

    [LinuxFact]
    public void AWatchedInstanceDeletedAfterTheKernelReportedIt_IsDroppedFromTheBatch_AndTheNextEventTakesItsPlace()
    {
        Epoll watcher = Own(new Epoll(Table));
        (Epoll a, FakeFile aFile) = AWatchedInstanceWithAReadyFile();
        Epoll b = Own(new Epoll(Table));
        SafeFileHandle bOs = Own(OsFd.EventFd());
        b.Add(bOs, In, 200);
        SafeFileHandle c = Own(OsFd.EventFd());
        watcher.Add(a, In, AData);
        watcher.Add(b, In, BData);
        watcher.Add(c, In, CData);
        OsFd.Signal(bOs);
        OsFd.Signal(c); // the kernel's ready list: a, b, then c

        // Checking a's report polls a's file: b is deleted there, after the kernel reported it.
        AfterTheNextKernelWait(watcher, aFile, () => watcher.Delete(b));
        Assert.Equal(2, watcher.Wait(_events, 0));
        Assert.Equal(new EpollEvent(In, AData), _events[0]);
        Assert.Equal(new EpollEvent(In, CData), _events[1]); // moved up into b's place
        Assert.Equal(2, watcher.Wait(_events, 0)); // a and c are still ready; b is gone
        Assert.Equal(new EpollEvent(In, AData), _events[0]);
        Assert.Equal(new EpollEvent(In, CData), _events[1]);
    }

    /// <summary>
    /// A watcher holding <paramref name="watched"/> with <paramref name="flags"/>, reported by the kernel while its file
    /// was ready and found not ready by the harvest's check (the file turned idle in between): the report is dropped.
    /// </summary>
    private Epoll AStaleReport(Epoll watched, FakeFile file, EpollEvents flags)
    {
        Epoll watcher = Own(new Epoll(Table));
        watcher.Add(watched, In | flags, AData);
        AfterTheNextKernelWait(watcher, file, () => Drain(file));
        Assert.Equal(0, watcher.Wait(_events, 0));
        return watcher;
    }

    [LinuxFact]
    public void AStaleReportOfAOneShotRegistration_IsDropped_AndLeavesItArmedInTheKernel()
    {
        (Epoll a, FakeFile aFile) = AWatchedInstanceWithAReadyFile();
        Epoll watcher = AStaleReport(a, aFile, EpollEvents.OneShot);
        aFile.Set(In); // ready for real now: Linux's re-poll had kept the ONESHOT armed
        Assert.Equal(1, watcher.Wait(_events, 0));
        Assert.Equal(new EpollEvent(In, AData), _events[0]);
        Assert.Equal(0, watcher.Wait(_events, 0)); // then the kernel disarmed it
    }

    [LinuxFact]
    public void AStaleReportOfALevelRegistration_IsDropped_WithoutAKernelCtl()
    {
        (Epoll a, FakeFile aFile) = AWatchedInstanceWithAReadyFile();
        Epoll watcher = Own(new Epoll(Table));
        watcher.Add(Own(OsFd.EventFd()), In, 50); // the watcher's kernel side, so its ctl count can be read before the ADD
        KernelPoller k = Outcome.Engine(watcher).Kernel!;
        watcher.Add(a, In, AData);
        long ctlsBefore = k.CtlCalls;
        AfterTheNextKernelWait(watcher, aFile, () => Drain(aFile));
        Assert.Equal(0, watcher.Wait(_events, 0));
        Assert.Equal(ctlsBefore, k.CtlCalls); // nothing to re-arm: the kernel left a level registration armed
    }

    [LinuxFact]
    public void AOneShotRegistrationTheKernelReported_IsShownDisarmed_InTheWatchersFdInfo()
    {
        (Epoll a, _) = AWatchedInstanceWithAReadyFile();
        Epoll watcher = Own(new Epoll(Table));
        watcher.Add(a, In | EpollEvents.OneShot, AData);
        string armed = FdInfoLineOf(watcher, a);
        Assert.Contains("events: 40000019", armed);
        Assert.Equal(1, watcher.Wait(_events, 0));
        Assert.Equal(new EpollEvent(In, AData), _events[0]);
        Assert.Contains("events: 40000000", FdInfoLineOf(watcher, a)); // Linux keeps only the private bits
    }

    private static string FdInfoLineOf(Epoll watcher, Epoll watched)
        => watcher.GetFdInfo().Split('\n').Single(line => line.StartsWith($"tfd: {watched.Fd,8} ", StringComparison.Ordinal));
}

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
}

using System.Globalization;
using EventPoll.Interop;
using EventPoll.Tests.Misuse;
using EventPoll.Tests.Os;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Microsoft.Win32.SafeHandles;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The kernel side out of descriptors (Eventpoll.Kernel.cs): an OS registration whose instance cannot make its kernel
/// epoll, a watcher that cannot make one when the instance it watches gains one, and a watched instance's kernel epoll
/// that cannot be dup'ed for a watcher. RLIMIT_NOFILE is lowered and the numbers below it taken but a given count
/// (so these tests run alone, and restore the limit in a finally). Mutation testing found each path unreached.
/// </summary>
[Collection(ProcessLimitCollection.Name)]
public sealed class KernelSideExhaustionMutationTests : HandleOwner
{
    private const EpollEvents In = EpollEvents.In;
    private readonly EpollEvent[] _events = new EpollEvent[4];

    /// <summary>
    /// Runs <paramref name="call"/> with exactly <paramref name="free"/> descriptor numbers left: RLIMIT_NOFILE lowered
    /// above the highest open one, every number below it taken by eventfds, then the last <paramref name="free"/> closed.
    /// </summary>
    internal static void WithDescriptorsLeft(int free, Action call)
    {
        Assert.Equal(0, LinuxSyscalls.GetRlimit(LinuxSyscalls.RlimitNoFile, out ulong soft, out ulong hard));
        int highest = Directory.GetFiles("/proc/self/fd").Max(path => int.Parse(Path.GetFileName(path), CultureInfo.InvariantCulture));
        var fillers = new Stack<int>();
        try
        {
            Assert.Equal(0, LinuxSyscalls.SetRlimit(LinuxSyscalls.RlimitNoFile, (ulong)(highest + 1 + free), hard));
            int fd;
            while ((fd = LinuxSyscalls.EventFd(0, Posix.O_CLOEXEC)) >= 0) fillers.Push(fd);
            Assert.Equal(-(int)Errno.EMFILE, fd);
            for (int i = 0; i < free; i++) LinuxSyscalls.Close(fillers.Pop());
            call();
        }
        finally
        {
            while (fillers.Count != 0) LinuxSyscalls.Close(fillers.Pop());
            LinuxSyscalls.SetRlimit(LinuxSyscalls.RlimitNoFile, soft, hard);
        }
    }

    [LinuxFact]
    public void AnOsRegistration_OfAnInstanceThatCannotMakeItsKernelEpoll_IsEmfile_AndTheNextOneMakesIt()
    {
        Epoll ep = Own(new Epoll(Table));
        SafeFileHandle os = Own(OsFd.EventFd());
        WithDescriptorsLeft(0, () => Refusal.Assert(Errno.EMFILE, $"EMFILE: the descriptor table is full (epoll_ctl ADD, OS descriptor {OsFd.Number(os)})", () => ep.Add(os, In, 1)));
        Assert.Null(Outcome.Engine(ep).Kernel);
        ep.Add(os, In, 1);
        OsFd.Signal(os);
        Assert.Equal(1, ep.Wait(_events, 0));
        Assert.Equal(new EpollEvent(In, 1), _events[0]);
    }

    [LinuxFact]
    public void AWatcherThatCannotMakeItsKernelEpoll_KeepsTheRegistrationInProcess_AndSeesTheInProcessReadiness()
    {
        Epoll watcher = Own(new Epoll(Table));
        Epoll watched = Own(new Epoll(Table));
        EventFd e = Own(new EventFd(table: Table));
        watched.Add(e, In, 1);
        watcher.Add(watched, In, 2);
        SafeFileHandle os = Own(OsFd.EventFd());
        // Three numbers: the watched instance's kernel epoll and signal eventfd, then the watcher's epoll, whose
        // signal eventfd finds none (so a dup for the watcher's registration would still find one).
        WithDescriptorsLeft(3, () => watched.Add(os, In, 3));
        Assert.NotNull(Outcome.Engine(watched).Kernel);
        Assert.Null(Outcome.Engine(watcher).Kernel);
        e.Signal();
        Assert.Equal(1, watcher.Wait(_events, 0));
        Assert.Equal(new EpollEvent(In, 2), _events[0]);
    }

    [LinuxFact]
    public void AWatchedKernelEpollThatCannotBeDuped_RefusesTheWatchersAdd_WithEmfileAndItsSentence()
    {
        Epoll watcher = Own(new Epoll(Table));
        Epoll watched = Own(new Epoll(Table));
        watcher.Add(Own(OsFd.EventFd()), In, 1);
        SafeFileHandle os = Own(OsFd.EventFd());
        watched.Add(os, In, 2);
        WithDescriptorsLeft(0, () => Refusal.Assert(Errno.EMFILE,
            $"EMFILE: no descriptor was left for the watched instance's kernel epoll (epoll_ctl ADD, fd {watched.Fd})",
            () => watcher.Add(watched, In, 3)));
        watcher.Add(watched, In, 3); // the refusal left nothing registered
        OsFd.Signal(os);
        Assert.Equal(1, watcher.Wait(_events, 0));
        Assert.Equal(new EpollEvent(In, 3), _events[0]);
    }
}

using System.Globalization;
using EventPoll.Interop;
using EventPoll.Tests.Os;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The kernel poller's own promises (KernelPoller.cs, KernelPoller.Turns.cs): its signal eventfd's flags, the kernel's
/// infinite timeout for an infinite wait, the milliseconds a fallback wait asks for, the system calls a readiness ring
/// cost and the errno that ended it. Mutation testing found each unpinned: the tests went through the engine, which
/// cannot tell.
/// </summary>
public sealed class KernelPollerMutationTests : HandleOwner
{
    private const int CtlAdd = 1, CtlDel = 2, FGetFd = 1, FGetFl = 3, FdCloExec = 1, ONonBlock = 0x800;

    /// <summary>A kernel poller, closed when the test ends.</summary>
    private KernelPoller NewPoller()
    {
        Assert.Equal(0, KernelPoller.Create(out KernelPoller? poller));
        return Own(new Closing(poller!)).Poller;
    }

    [LinuxFact]
    public void Ctl_CountsEveryCall_ForTheTraceHarness()
    {
        KernelPoller poller = NewPoller();
        int efd = OsFd.Number(Own(OsFd.EventFd()));
        Assert.Equal(0, poller.Ctl(CtlAdd, efd, new EpollEvent(EpollEvents.In, 1)));
        Assert.Equal(0, poller.Ctl(CtlDel, efd, null));
        Assert.Equal(2, poller.CtlCalls);
    }

    [LinuxFact]
    public void TheSignalEventFd_IsNonBlockingAndCloseOnExec()
    {
        KernelPoller poller = NewPoller();
        // The kernel's fdinfo of the epoll names the registered descriptor (tfd) of the signal's data word.
        string line = File.ReadLines($"/proc/self/fdinfo/{poller.Descriptor}").Single(l => l.StartsWith("tfd:", StringComparison.Ordinal));
        Assert.Contains($" data: {KernelPoller.SignalData:x16} ", line, StringComparison.Ordinal);
        int signalFd = int.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        Assert.Equal(FdCloExec, LinuxSyscalls.Fcntl(signalFd, FGetFd, 0) & FdCloExec); // no child process inherits it
        Assert.Equal(ONonBlock, LinuxSyscalls.Fcntl(signalFd, FGetFl, 0) & ONonBlock); // a drain that finds 0 never blocks
    }

    [LinuxFact]
    public void AnInfiniteWait_BlocksInTheKernelWithTheInfiniteTimeout_UntilTheSignal()
    {
        KernelPoller poller = NewPoller();
        int tid = 0;
        Task<int> wait = OsWaits.OnThread(() =>
        {
            Volatile.Write(ref tid, OsThreads.GetTid());
            return poller.Wait(new EpollEvent[4], Deadline.After(Timeout.InfiniteTimeSpan));
        });
        Bounded.Until(() => wait.IsCompleted || (Volatile.Read(ref tid) != 0 && OsThreads.InEpollWait(tid)), "the waiter is inside epoll_wait");
        Assert.False(wait.IsCompleted, "the infinite wait returned with nothing to report");
        (int _, ulong[] args) = OsThreads.BlockedIn(tid)!.Value;
        Assert.Equal(-1, (int)args[3]); // epoll_wait(epfd, events, maxevents, timeout) and epoll_pwait's fourth argument alike
        poller.Signal();
        Assert.Equal(1, Bounded.Result(wait, "the signal ends the wait"));
    }

    [Fact]
    public void AFallbackWait_AsksForWholeMillisecondsRoundedUp_NeverLessThanTheTimeout()
    {
        Assert.Equal(0, KernelPoller.EpollPwait2.ToMilliseconds(TimeSpan.Zero));
        Assert.Equal(1, KernelPoller.EpollPwait2.ToMilliseconds(TimeSpan.FromTicks(1)));
        Assert.Equal(1, KernelPoller.EpollPwait2.ToMilliseconds(TimeSpan.FromMilliseconds(1)));
        Assert.Equal(2, KernelPoller.EpollPwait2.ToMilliseconds(TimeSpan.FromMilliseconds(1.5)));
        Assert.Equal(30, KernelPoller.EpollPwait2.ToMilliseconds(TimeSpan.FromMilliseconds(30)));
        Assert.Equal(int.MaxValue, KernelPoller.EpollPwait2.ToMilliseconds(TimeSpan.FromDays(30)));
    }

    [LinuxTheory]
    [InlineData(Errno.EPERM)]
    [InlineData(Errno.EOPNOTSUPP)]
    [InlineData((Errno)38)] // ENOSYS
    public void RefuseRing_TurnsDownAnErrnoThatWouldRefuseEveryInstanceOfTheProcess(Errno why)
    {
        KernelPoller poller = NewPoller();
        ArgumentException e = Assert.Throws<ArgumentException>(() => poller.RefuseRing(why));
        Assert.Equal("an errno that would refuse every instance of the process (Parameter 'why')", e.Message);
        Assert.Equal(Errno.None, poller.RingRefused);
    }

    [RingFact]
    public void AMadeAndArmedRing_CostFourSystemCalls()
    {
        MixedInstance mixed = Own(new MixedInstance(Table));
        mixed.ToTheFirstKernelsTurn();
        KernelPoller kernel = mixed.Kernel;
        Assert.True(kernel.RingArmed, $"no ring after the first turn (refused: {kernel.RingRefused})");
        Assert.Equal(4, kernel.RingSystemCalls); // io_uring_setup, the two mappings, the io_uring_enter that armed it
    }

    [RingFact]
    public void ARingWhosePollCannotBeSubmitted_RefusesThisInstance_WithTheErrno()
    {
        MixedInstance mixed = Own(new MixedInstance(Table));
        KernelPoller kernel = mixed.Kernel;
        SyscallRefusal.OnThread(Errno.ENOMEM, [SyscallRefusal.SysIoUringEnter], mixed.ToTheFirstKernelsTurn);
        Assert.Equal(Errno.ENOMEM, kernel.RingRefused);
        Assert.False(kernel.RingArmed);
        Assert.Equal(4, kernel.RingSystemCalls); // the ring was made (three calls) and one io_uring_enter tried
        long turns = mixed.Instance.KernelTurns;
        mixed.InProcessWaits(2 * (Eventpoll.MaxOsFairnessBound + 1)); // quiet turns on a thread the kernel lets arm one
        Assert.True(mixed.Instance.KernelTurns > turns);
        Assert.Equal(4, kernel.RingSystemCalls); // the instance gave its ring up
        Assert.Equal((Errno.ENOMEM, false), (kernel.RingRefused, kernel.RingArmed));
    }

    /// <summary>Closes a poller when the test ends.</summary>
    private sealed class Closing(KernelPoller poller) : IDisposable
    {
        internal KernelPoller Poller => poller;

        public void Dispose() => poller.Close();
    }
}

using EventPoll.Interop;
using EventPoll.Tests.Misuse;
using EventPoll.Tests.Os;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The kernel poller where descriptor numbers run out or start at 0 (KernelPoller.Create, the readiness ring's
/// creation): a failed creation leaves every number it took free, and descriptor 0 is a descriptor like any other.
/// These lower RLIMIT_NOFILE or close stdin for a moment, so they run alone. Mutation testing found each path unreached.
/// </summary>
[Collection(ProcessLimitCollection.Name)]
public sealed class KernelPollerExhaustionMutationTests : HandleOwner
{
    [LinuxFact]
    public void Create_WithOneNumberLeft_IsEmfile_AndLeavesThatNumberFree()
    {
        DescriptorsLeft.Run(1, () =>
        {
            Assert.Equal(-(int)Errno.EMFILE, KernelPoller.Create(out KernelPoller? poller)); // the epoll took it, the eventfd found none
            Assert.Null(poller);
            Assert.Equal(1, DescriptorsLeft.Free());
        });
    }

    [LinuxFact]
    public void Create_WhoseSignalRegistrationTheKernelRefuses_ReturnsItsErrno_AndLeavesBothNumbersFree()
    {
        // ENOSPC is what epoll_ctl ADD answers past fs.epoll.max_user_watches, a limit of the whole user.
        SyscallRefusal.OnThread(Errno.ENOSPC, [SyscallRefusal.SysEpollCtl], () => DescriptorsLeft.Run(2, () =>
        {
            Assert.Equal(-(int)Errno.ENOSPC, KernelPoller.Create(out KernelPoller? poller));
            Assert.Null(poller);
            Assert.Equal(2, DescriptorsLeft.Free());
        }));
    }

    [LinuxFact]
    public void Create_InAProcessWithoutStdin_MakesItsEpollAtDescriptorZero()
    {
        int stdin = LinuxSyscalls.Fcntl(0, LinuxSyscalls.FDupFdCloExec, 3); // EBADF when this process has none already
        if (stdin >= 0) Assert.Equal(0, LinuxSyscalls.Close(0));
        try
        {
            int made = KernelPoller.Create(out KernelPoller? poller);
            try
            {
                Assert.Equal(0, made);
                Assert.NotNull(poller);
                Assert.Equal(0, poller.Descriptor); // the lowest free number
                poller.Signal();
                var events = new EpollEvent[1];
                Assert.Equal(1, poller.Wait(events, Deadline.Passed));
                Assert.Equal(KernelPoller.SignalData, events[0].Data);
            }
            finally
            {
                poller?.Close();
            }
        }
        finally
        {
            if (stdin >= 0)
            {
                Assert.Equal(0, LinuxSyscalls.Dup2(stdin, 0));
                LinuxSyscalls.Close(stdin);
            }
        }
    }

    [RingFact]
    public void ARingWithNoNumberLeft_RefusesThisInstanceOnly_AfterOneSystemCall()
    {
        MixedInstance mixed = Own(new MixedInstance(Table));
        KernelPoller kernel = mixed.Kernel;
        DescriptorsLeft.Run(0, mixed.ToTheFirstKernelsTurn); // io_uring_setup finds no number for the ring
        Assert.Equal(Errno.EMFILE, kernel.RingRefused);
        Assert.Equal(1, kernel.RingSystemCalls);
        mixed.InProcessWaits(2 * (Eventpoll.MaxOsFairnessBound + 1)); // numbers are free again: it does not try again
        Assert.Equal((Errno.EMFILE, false, 1L), (kernel.RingRefused, kernel.RingArmed, kernel.RingSystemCalls));

        MixedInstance other = Own(new MixedInstance(Table)); // an errno of this instance's, not of the process
        Assert.Equal(Errno.None, other.Kernel.RingRefused);
        other.ToTheFirstKernelsTurn();
        Assert.True(other.Kernel.RingArmed, $"the next instance made no ring (refused: {other.Kernel.RingRefused})");
    }
}

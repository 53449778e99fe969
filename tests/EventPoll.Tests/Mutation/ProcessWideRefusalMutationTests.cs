using EventPoll.Interop;
using EventPoll.Tests.Os;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>Tests that make the kernel refuse a call for the whole process: while they run, every instance is affected.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideRefusalCollection
{
    public const string Name = "process-wide kernel refusals";
}

/// <summary>
/// The kernel's refusals that hold for every instance of the process (KernelPoller.cs, KernelPoller.Turns.cs): epoll_pwait2
/// answered ENOSYS (before Linux 5.11) or EPERM (a seccomp filter that predates it) sends finite waits to epoll_wait, and
/// io_uring refused with ENOSYS, EPERM or EOPNOTSUPP is never tried again. A seccomp filter on one thread makes the
/// refusal; the process's memory of it is forgotten afterwards. Mutation testing found both unreached.
/// </summary>
[Collection(ProcessWideRefusalCollection.Name)]
public sealed class ProcessWideRefusalMutationTests : HandleOwner
{
    [LinuxTheory]
    [InlineData((Errno)38)] // ENOSYS
    [InlineData(Errno.EPERM)]
    public void AFiniteWaitWhoseEpollPwait2IsRefused_IsMadeByEpollWait_AndSoAreTheLaterOnes(Errno why)
    {
        var ep = Own(new Epoll(Table));
        ep.Add(Own(OsFd.EventFd(initial: 1)), EpollEvents.In, 7);
        KernelPoller kernel = Outcome.Engine(ep).Kernel!;
        var events = new EpollEvent[4];
        try
        {
            int n = SyscallRefusal.OnThread(why, [SyscallRefusal.SysEpollPwait2], () => kernel.Wait(events, Deadline.After(TimeSpan.FromSeconds(1))));
            Assert.Equal(1, n);
            Assert.Equal(new EpollEvent(EpollEvents.In, 7), events[0]);
            Assert.True(KernelPoller.EpollPwait2.Unavailable);
        }
        finally
        {
            KernelPoller.EpollPwait2.Unavailable = false;
        }
        Assert.False(KernelPoller.EpollPwait2.Unavailable);
    }

    [LinuxTheory]
    [InlineData((Errno)38)] // ENOSYS
    [InlineData(Errno.EPERM)]
    [InlineData(Errno.EOPNOTSUPP)]
    public void ARingRefusedWithAnErrnoOfTheProcess_IsNeverTriedByALaterInstance(Errno why)
    {
        KernelPoller.ForgetProcessRefusal();
        try
        {
            MixedInstance refused = Own(new MixedInstance(Table));
            SyscallRefusal.OnThread(why, [SyscallRefusal.SysIoUringSetup], refused.ToTheFirstKernelsTurn);
            Assert.Equal((why, 1L), (refused.Kernel.RingRefused, refused.Kernel.RingSystemCalls));

            MixedInstance later = Own(new MixedInstance(Table));
            Assert.Equal(why, later.Kernel.RingRefused);
            later.ToTheFirstKernelsTurn(); // on a thread the kernel would let make one
            Assert.Equal((false, 0L), (later.Kernel.RingArmed, later.Kernel.RingSystemCalls));
        }
        finally
        {
            KernelPoller.ForgetProcessRefusal();
        }
    }
}

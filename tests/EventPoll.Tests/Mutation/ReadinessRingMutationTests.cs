using EventPoll.Interop;
using EventPoll.Tests.Os;
using EventPoll.Tests.Rules;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The readiness ring driven directly (Interop/ReadinessRing.cs), checked against the kernel's own account of it (the
/// ring's fdinfo): its setup, the poll and its replacement, completions current and stale, the end of a poll (a full
/// completion ring, an error, the exit of the thread that armed it). Mutation testing found all of it exercised only
/// end to end, where a broken ring turns into the kernel-asking fallback and the ring tests skip.
/// </summary>
public sealed class ReadinessRingMutationTests
{
    private const int Ebadf = 9;
    private const short PollIn = 0x1;
    private const int FSetFd = 2, FdCloExec = 1;

    [RingFact]
    public void ANewRing_HasMadeItsSetupAndTwoOnePageMappings_AndIsNotQuiet_ForNoPollIsArmed()
    {
        using var rig = new RingRig();
        Assert.Equal(3, rig.Ring.SystemCalls);
        Assert.False(rig.Ring.Armed);
        Assert.False(rig.Ring.Quiet());
        Assert.Equal(0, rig.Ring.Failed);
        Assert.Equal(0, rig.FdInfo().Polls);
        // Its rings and its entries, a page each (every ring in the process maps the same two).
        Assert.All(RingRig.MappingLengths(), length => Assert.Equal(Environment.SystemPageSize, length));
    }

    [RingFact]
    public void EachArm_IsOneIoUringEnter_TakingEveryEntryItPublished_AndLeavesOnePollInForce()
    {
        using var rig = new RingRig();
        for (int arm = 1; arm <= 3; arm++) // the first adds; the others remove the poll and add its successor
        {
            Assert.Equal(0, rig.Ring.Arm(rig.Epoll));
            Assert.Equal(3 + arm, rig.Ring.SystemCalls);
            RingFdInfo info = rig.FdInfo();
            Assert.Equal(1, info.Polls);
            Assert.Equal(info.SqTail, info.SqHead); // nothing left for the next io_uring_enter to submit again
            Assert.True(rig.Ring.Armed);
            Assert.Equal(Environment.CurrentManagedThreadId, rig.Ring.ArmedBy);
        }
    }

    [RingFact]
    public void AWakeup_MakesTheRingNotQuiet_AndConsumingIt_LeavesThePollArmedAndQuietAgain()
    {
        using RingRig rig = RingRig.Armed();
        Assert.True(rig.Ring.Quiet());
        rig.Wake();
        Assert.False(rig.Ring.Quiet());
        rig.Ring.Consume();
        Assert.True(rig.Ring.Armed);
        Assert.True(rig.Ring.Quiet());
    }

    [RingFact]
    public void TheReplacedPollsCancellationAndTheRemovalsCompletion_AreStale_SoTheNewPollStaysArmedAndQuiet()
    {
        using RingRig rig = RingRig.Armed();
        Assert.Equal(0, rig.Ring.Arm(rig.Epoll)); // posts the removal's completion and the old poll's -ECANCELED
        Assert.NotEqual(rig.FdInfo().CqHead, rig.FdInfo().CqTail);
        rig.Ring.Consume();
        Assert.True(rig.Ring.Armed);
        Assert.Equal(0, rig.Ring.Failed);
        Assert.True(rig.Ring.Quiet());
    }

    [RingFact]
    public void Quiet_ConsumesTheStaleCompletionsItPasses_SoTheCompletionRingHoldsEightWakeupsAfter()
    {
        using RingRig rig = RingRig.Armed();
        Assert.Equal(0, rig.Ring.Arm(rig.Epoll)); // two stale completions
        Assert.True(rig.Ring.Quiet());
        rig.Wake(8); // the completion ring's eight entries, each a completion of the poll that goes on
        rig.Ring.Consume();
        Assert.True(rig.Ring.Armed, "the poll ended: a completion did not fit");
    }

    [RingFact]
    public void AFullCompletionRing_EndsThePoll_WhichConsumeSeesByTheOverflowFlag()
    {
        using RingRig rig = RingRig.Armed();
        rig.Wake(12); // eight completions with IORING_CQE_F_MORE; the ninth cannot be posted and ends the poll, held back
        Assert.False(rig.Ring.Quiet());
        rig.Ring.Consume(); // every completion it can read says the poll goes on
        Assert.False(rig.Ring.Armed);
        Assert.Equal(0, rig.Ring.Failed);
    }

    [RingFact]
    public void ArmingARingWhoseCompletionsOverflowed_ConsumesThemAndFlushes_SoTheNewPollIsQuiet()
    {
        using RingRig rig = RingRig.Armed();
        rig.Wake(12);
        Assert.Equal(0, rig.Ring.Arm(rig.Epoll));
        Assert.True(rig.Ring.Armed);
        Assert.True(rig.Ring.Quiet());
        Assert.Equal(1, rig.FdInfo().Polls);
    }

    [RingFact]
    public void AnIoUringEnterThatFails_ArmsNothing_AndItsErrnoIsTheRingsFailure()
    {
        using var rig = new RingRig();
        // The ring's number now names the eventfd (dup2 closes the ring's descriptor; its mappings keep the ring), so
        // io_uring_enter finds no ring there. Close closes the eventfd's duplicate.
        Assert.Equal(rig.Ring.Descriptor, LinuxSyscalls.Dup2(rig.EventFd, rig.Ring.Descriptor));
        Assert.Equal(0, LinuxSyscalls.Fcntl(rig.Ring.Descriptor, FSetFd, FdCloExec)); // as the ring's own number was
        Assert.Equal(-(int)Errno.EOPNOTSUPP, rig.Ring.Arm(rig.Epoll));
        Assert.False(rig.Ring.Armed);
        Assert.Equal((int)Errno.EOPNOTSUPP, rig.Ring.Failed);
        Assert.Equal(4, rig.Ring.SystemCalls);
    }

    [RingFact]
    public void APollOfNoFile_EndsWithEbadf_WhichConsumeReportsAsTheRingsFailure()
    {
        using RingRig rig = RingRig.Armed();
        rig.Wake(3);
        rig.Ring.Consume(); // the next completions land past the ring's first entry
        Assert.Equal(0, rig.Ring.Arm(-1)); // io_uring_enter takes the entries; the poll fails as it starts
        Assert.True(rig.Ring.Armed);
        rig.Ring.Consume();
        Assert.False(rig.Ring.Armed);
        Assert.Equal(Ebadf, rig.Ring.Failed);
    }

    [RingFact]
    public void APollWhoseArmingThreadExited_EndsWithEcanceledAtItsNextWakeup_WhichIsNoFailure()
    {
        using var rig = new RingRig();
        var armer = new Thread(() => Assert.Equal(0, rig.Ring.Arm(rig.Epoll)));
        armer.Start();
        armer.Join();
        Assert.True(rig.Ring.Armed);
        // The managed thread is joined, but its OS thread may not have exited yet: a wakeup before its exit posts an
        // ordinary completion when that thread next leaves the kernel. A wakeup from its exit on ends the poll with
        // -ECANCELED (the task work runs in the thread's exit or in a kernel worker). Each round waits for a completion.
        int wakeups = 0;
        while (rig.Ring.Armed && wakeups++ < 100)
        {
            rig.Wake();
            Assert.Equal(PollIn, LinuxSyscalls.PollOne(rig.Ring.Descriptor, PollIn, (int)Failsafe.Limit.TotalMilliseconds));
            rig.Ring.Consume();
        }
        Assert.False(rig.Ring.Armed, "the poll went on after its thread exited");
        Assert.Equal(0, rig.Ring.Failed);
    }
}

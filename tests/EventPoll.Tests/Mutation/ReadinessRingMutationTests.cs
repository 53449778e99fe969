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

    [RingFact]
    public void ANewRing_HasMadeItsSetupAndTwoMappings_AndIsNotQuiet_ForNoPollIsArmed()
    {
        using var rig = new RingRig();
        Assert.Equal(3, rig.Ring.SystemCalls);
        Assert.False(rig.Ring.Armed);
        Assert.False(rig.Ring.Quiet());
        Assert.Equal(0, rig.Ring.Failed);
        Assert.Equal(0, rig.FdInfo().Polls);
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
        using var rig = new RingRig();
        Assert.Equal(0, rig.Ring.Arm(rig.Epoll));
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
        using var rig = new RingRig();
        Assert.Equal(0, rig.Ring.Arm(rig.Epoll));
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
        using var rig = new RingRig();
        Assert.Equal(0, rig.Ring.Arm(rig.Epoll));
        Assert.Equal(0, rig.Ring.Arm(rig.Epoll)); // two stale completions
        Assert.True(rig.Ring.Quiet());
        rig.Wake(8); // the completion ring's eight entries, each a completion of the poll that goes on
        rig.Ring.Consume();
        Assert.True(rig.Ring.Armed, "the poll ended: a completion did not fit");
    }

    [RingFact]
    public void AFullCompletionRing_EndsThePoll_WhichConsumeSeesByTheOverflowFlag()
    {
        using var rig = new RingRig();
        Assert.Equal(0, rig.Ring.Arm(rig.Epoll));
        rig.Wake(12); // eight completions with IORING_CQE_F_MORE; the ninth cannot be posted and ends the poll, held back
        Assert.False(rig.Ring.Quiet());
        rig.Ring.Consume(); // every completion it can read says the poll goes on
        Assert.False(rig.Ring.Armed);
        Assert.Equal(0, rig.Ring.Failed);
    }

    [RingFact]
    public void ArmingARingWhoseCompletionsOverflowed_ConsumesThemAndFlushes_SoTheNewPollIsQuiet()
    {
        using var rig = new RingRig();
        Assert.Equal(0, rig.Ring.Arm(rig.Epoll));
        rig.Wake(12);
        Assert.Equal(0, rig.Ring.Arm(rig.Epoll));
        Assert.True(rig.Ring.Armed);
        Assert.True(rig.Ring.Quiet());
        Assert.Equal(1, rig.FdInfo().Polls);
    }

    [RingFact]
    public void APollOfNoFile_EndsWithEbadf_WhichConsumeReportsAsTheRingsFailure()
    {
        using var rig = new RingRig();
        Assert.Equal(0, rig.Ring.Arm(rig.Epoll));
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
        rig.Wake(); // the task work goes to a kernel worker, which ends the poll with -ECANCELED
        Assert.Equal(PollIn, LinuxSyscalls.PollOne(rig.Ring.Descriptor, PollIn, (int)Failsafe.Limit.TotalMilliseconds));
        rig.Ring.Consume();
        Assert.False(rig.Ring.Armed);
        Assert.Equal(0, rig.Ring.Failed);
    }
}

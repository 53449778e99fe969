using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Engine;

/// <summary>The blocking waiter's adaptive spin: long waits shrink it, a short one restores it.</summary>
public sealed class ThreadWaiterTests
{
    [MultiProcessorFact]
    public void SpinBudget_ShrinksOverLongWaits_AndAShortWaitRestoresIt()
    {
        Assert.True(BriefSpin.Rounds < BriefSpin.WaitRounds, "a wait's budget must exceed a lock's for shrinking to show");
        int initial = -1, shrunk = -1, restored = -1;
        bool timedOut = false, signalled = false;
        var thread = new Thread(() =>
        {
            ThreadWaiter waiter = ThreadWaiter.Current;
            initial = waiter.SpinBudget;
            for (int i = 0; i < 20; i++)
            {
                waiter.Reset();
                // A wait that times out lasts at least its 2 ms, far above the 50 us "short wait"; load only
                // lengthens it, so no wall-clock threshold can fail here.
                timedOut |= !waiter.Block(new Deadline(2), CancellationToken.None);
            }
            shrunk = waiter.SpinBudget;
            waiter.Reset();
            waiter.Signal(); // already signalled: the shortest wait there is
            signalled = waiter.Block(new Deadline(-1), CancellationToken.None);
            restored = waiter.SpinBudget;
        }) { IsBackground = true };
        thread.Start();
        Bounded.Join(thread, "the waiter thread did not finish");
        Assert.True(timedOut);
        Assert.True(signalled);
        Assert.Equal(BriefSpin.WaitRounds, initial);
        Assert.Equal(BriefSpin.Rounds, shrunk);
        Assert.Equal(BriefSpin.WaitRounds, restored);
    }
}

using Xunit;

namespace EventPoll.Tests.Engine;

/// <summary>The blocking waiter's adaptive spin: long waits shrink it, a short one restores it.</summary>
public sealed class ThreadWaiterTests
{
    [Fact]
    public void SpinBudget_ShrinksOverLongWaits_AndAShortWaitRestoresIt()
    {
        // Needs two processors to mean anything (on one, both budgets are 0); CI has two.
        int initial = -1, shrunk = -1, restored = -1;
        bool timedOut = false, signalled = false;
        var thread = new Thread(() =>
        {
            ThreadWaiter waiter = ThreadWaiter.Current;
            initial = waiter.SpinBudget;
            for (int i = 0; i < 20; i++)
            {
                waiter.Reset();
                timedOut |= !waiter.Block(new Deadline(2), CancellationToken.None); // 2 ms: far longer than a spin
            }
            shrunk = waiter.SpinBudget;
            waiter.Reset();
            waiter.Signal(); // already signalled: the shortest wait there is
            signalled = waiter.Block(new Deadline(-1), CancellationToken.None);
            restored = waiter.SpinBudget;
        }) { IsBackground = true };
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)));
        Assert.True(timedOut);
        Assert.True(signalled);
        Assert.Equal(BriefSpin.WaitRounds, initial);
        Assert.Equal(BriefSpin.Rounds, shrunk);
        Assert.Equal(BriefSpin.WaitRounds, restored);
    }
}

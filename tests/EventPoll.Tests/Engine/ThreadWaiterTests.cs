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

    /// <summary>
    /// A signal that comes while the waiter sleeps ends the sleep with "signalled"; IsSleeping, which tests use to know a
    /// waiter is past its last look for events, holds only while it sleeps.
    /// </summary>
    [Fact]
    public void ASignalDuringTheSleep_EndsBlockAsSignalled_AndIsSleepingHoldsOnlyMeanwhile()
    {
        ThreadWaiter? waiter = null;
        bool sleepingBefore = true, signalled = false, sleepingAfter = true;
        var started = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            ThreadWaiter w = ThreadWaiter.Current;
            w.Reset();
            sleepingBefore = w.IsSleeping;
            Volatile.Write(ref waiter, w);
            started.Set();
            signalled = w.Block(new Deadline(-1), CancellationToken.None);
            sleepingAfter = w.IsSleeping;
        }) { IsBackground = true };
        thread.Start();
        Bounded.Wait(started, "the waiter thread starts");
        Bounded.Until(() => Volatile.Read(ref waiter)!.IsSleeping, "the waiter sleeps");
        waiter!.Signal();
        Bounded.Join(thread, "the signalled waiter returns");
        Assert.False(sleepingBefore);
        Assert.True(signalled);
        Assert.False(sleepingAfter);
    }

    /// <summary>
    /// A wait that sleeps but ends within <see cref="ThreadWaiter.ShortWait"/> restores the full spin budget. The test
    /// times each try around Block: only a try that took less than ShortWait in all (so Block did too) is judged; a
    /// try the machine's load stretched says nothing and is made again.
    /// </summary>
    [MultiProcessorFact]
    public void AShortSleep_RestoresTheFullSpinBudget()
    {
        int shrunk = -1, judged = -1;
        var thread = new Thread(() =>
        {
            ThreadWaiter waiter = ThreadWaiter.Current;
            for (int i = 0; i < 20; i++)
            {
                waiter.Reset();
                waiter.Block(new Deadline(2), CancellationToken.None); // times out: a long wait
            }
            shrunk = waiter.SpinBudget;
            for (int i = 0; i < 10_000 && judged < 0; i++)
            {
                waiter.Reset();
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                waiter.Block(Deadline.Passed, CancellationToken.None); // spins, then its sleep returns at once
                if (System.Diagnostics.Stopwatch.GetElapsedTime(start) <= ThreadWaiter.ShortWait) judged = waiter.SpinBudget;
            }
        }) { IsBackground = true };
        thread.Start();
        Bounded.Join(thread, "the waiter thread did not finish");
        Assert.Equal(BriefSpin.Rounds, shrunk);
        Assert.Equal(BriefSpin.WaitRounds, judged);
    }

    /// <summary>
    /// A cancellation that lands as the waiter falls asleep (after its last look at the token, before the futex sleeps)
    /// is not lost: the kick changes the futex word, so the sleep does not start. A lost one leaves the waiter asleep
    /// for good (no deadline), and the round's barrier fails the test.
    /// </summary>
    [MultiProcessorFact]
    public void ACancellationAsTheWaiterFallsAsleep_IsNeverLost()
    {
        const int Rounds = 2_000;
        var tokens = new CancellationTokenSource[Rounds];
        for (int i = 0; i < Rounds; i++) tokens[i] = new CancellationTokenSource();
        ThreadWaiter? waiter = null;
        int cancelledRounds = 0;
        using var go = new Barrier(2);
        var thread = new Thread(() =>
        {
            ThreadWaiter w = ThreadWaiter.Current;
            Volatile.Write(ref waiter, w);
            for (int i = 0; i < Rounds; i++)
            {
                w.Reset();
                if (!go.SignalAndWait(Bounded.Limit)) return;
                if (!w.Block(new Deadline(-1), tokens[i].Token)) cancelledRounds++;
                if (!go.SignalAndWait(Bounded.Limit)) return;
            }
        }) { IsBackground = true }; // a lost cancellation must fail the test, not keep the test host alive
        thread.Start();
        for (int i = 0; i < Rounds; i++)
        {
            Bounded.SignalAndWait(go, "the waiter starts its round");
            // A tight spin, not SpinWait's yields: the cancellation should land right as the sleep begins.
            while (!Volatile.Read(ref waiter)!.IsSleeping) Thread.SpinWait(1);
            tokens[i].Cancel();
            Bounded.SignalAndWait(go, $"round {i}: the cancelled waiter never returned (a lost cancellation)");
        }
        Bounded.Join(thread, "the waiter thread finishes");
        Assert.Equal(Rounds, cancelledRounds);
        foreach (CancellationTokenSource cts in tokens) cts.Dispose();
    }
}

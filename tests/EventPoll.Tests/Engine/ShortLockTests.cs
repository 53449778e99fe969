using Xunit;

namespace EventPoll.Tests.Engine;

/// <summary>The engine's lock: mutual exclusion under contention, parked threads woken, no owner confusion.</summary>
public sealed class ShortLockTests
{
    private static TimeSpan Generous => Support.Bounded.Limit;

    [Fact]
    public void Contended_IncrementsUnderTheLock_AreNeverLost()
    {
        const int threads = 4, perThread = 200_000;
        var gate = new ShortLock();
        long counter = 0; // deliberately not atomic: only the lock protects it
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            for (int i = 0; i < perThread; i++)
            {
                using (gate.EnterScope()) counter++;
            }
        })).ToArray();
        foreach (Thread w in workers) w.Start();
        foreach (Thread w in workers) Assert.True(w.Join(Generous));
        Assert.Equal(threads * perThread, counter);
        Assert.Equal(0, gate.ParkedCount);
    }

    /// <summary>
    /// A parker reads its stripe's wakeup word before its last look at the lock and sleeps only while the word is
    /// unchanged; so a release that finds parkers must change the word, or a parker between that read and its
    /// futex wait would sleep through the release (a lost wakeup).
    /// </summary>
    [Fact]
    public unsafe void ExitWithAParker_ChangesTheStripesWakeupWord()
    {
        var gate = new ShortLock();
        gate.Enter();
        var parker = new Thread(() => { using (gate.EnterScope()) { } });
        parker.Start();
        Support.Bounded.Until(() => gate.ParkedCount == 1, "the second thread parks");
        int* word = ParkingLot.WordFor(gate);
        int seen = Volatile.Read(ref *word);
        gate.Exit();
        Assert.NotEqual(seen, Volatile.Read(ref *word));
        Support.Bounded.Join(parker, "the parker takes the lock");
    }

    [Fact]
    public void ParkedThread_IsWokenByExit_AndGetsTheLock()
    {
        var gate = new ShortLock();
        gate.Enter();
        bool acquired = false;
        var waiter = new Thread(() =>
        {
            gate.Enter();
            acquired = true;
            gate.Exit();
        });
        waiter.Start();
        // The waiter spins a little and then parks; wait for it to register as parked (observable state, not a sleep).
        Assert.True(SpinWait.SpinUntil(() => gate.ParkedCount == 1, Generous), "the contended thread never parked");
        Assert.False(Volatile.Read(ref acquired));
        gate.Exit();
        Assert.True(waiter.Join(Generous), "the parked thread was not woken");
        Assert.True(acquired);
        Assert.Equal(0, gate.ParkedCount);
        Assert.True(gate.TryEnter(), "the lock was left held");
        gate.Exit();
    }

    [Fact]
    public void TryEnter_FailsWhileHeld_AndSucceedsOnceFree()
    {
        var gate = new ShortLock();
        Assert.True(gate.TryEnter());
        bool other = true;
        var t = new Thread(() => other = gate.TryEnter());
        t.Start();
        Assert.True(t.Join(Generous));
        Assert.False(other);
        gate.Exit();
        Assert.True(gate.TryEnter());
        gate.Exit();
    }

#if DEBUG
    [Fact]
    public void IsHeldByCurrentThread_IsFalseOnAnotherThread_InDebugBuilds()
    {
        var gate = new ShortLock();
        using (gate.EnterScope())
        {
            Assert.True(gate.IsHeldByCurrentThread);
            bool seenElsewhere = true;
            var t = new Thread(() => seenElsewhere = gate.IsHeldByCurrentThread);
            t.Start();
            Assert.True(t.Join(Generous));
            Assert.False(seenElsewhere);
        }
        Assert.False(gate.IsHeldByCurrentThread);
    }
#endif
}

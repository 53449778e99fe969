using System.Runtime.InteropServices;
using EventPoll.Tests.Os;
using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Engine;

/// <summary>
/// The futex contract the waiters and locks rely on (no sleep on a changed word, no lost wake), and what it hands the
/// kernel: a thread blocked in <see cref="Futex.Wait"/> is inside futex(2), whose arguments
/// /proc/self/task/TID/syscall shows while it sleeps.
/// </summary>
public sealed unsafe class FutexTests
{
    private static TimeSpan Generous => Support.Bounded.Limit;

    // futex(2)'s number, from the kernel's tables (x86-64; the generic table of arm64 and the newer ports).
    private static readonly int SysFutex = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 202 : 98;

    [Fact]
    public void Wait_OnAWordThatDiffers_ReturnsWithoutSleeping()
    {
        int[] holder = Futex.AllocateWord();
        *Futex.AddressOf(holder) = 1;
        var sleeper = new Thread(() => Futex.Wait(Futex.AddressOf(holder), expected: 0, timeoutMs: Timeout.Infinite)) { IsBackground = true };
        sleeper.Start();
        Assert.True(sleeper.Join(Generous), "Wait slept although the word did not hold the expected value");
    }

    [Fact]
    public void Wake_AfterTheWordChanges_IsNeverLost()
    {
        // Whether the change lands before the sleeper's check, between its check and its sleep, or while it is
        // asleep, it must return. The sleeper says when it is about to check, and the waker pauses a varying time
        // after that, so the 200 rounds spread over all three orders.
        int[] holder = Futex.AllocateWord();
        var random = new Random(12345);
        for (int round = 1; round <= 200; round++)
        {
            int seen = round - 1;
            bool checking = false;
            var sleeper = new Thread(() =>
            {
                Volatile.Write(ref checking, true);
                while (Volatile.Read(ref *Futex.AddressOf(holder)) == seen) Futex.Wait(Futex.AddressOf(holder), seen, Timeout.Infinite);
            }) { IsBackground = true };
            sleeper.Start();
            while (!Volatile.Read(ref checking)) Thread.SpinWait(1);
            Thread.SpinWait(random.Next(0, 20_000));
            Interlocked.Exchange(ref *Futex.AddressOf(holder), round);
            Futex.Wake(Futex.AddressOf(holder));
            Assert.True(sleeper.Join(Generous), $"round {round}: the sleeper missed its wakeup");
        }
    }

    [Fact]
    public void AllocateWord_IsOnThePinnedObjectHeap()
    {
        // The pinned object heap is collected with generation 2 and reports it from the moment of allocation; an
        // ordinary array starts in generation 0 and could move under a sleeper's address.
        int[] word = Futex.AllocateWord();
        Assert.Equal(GC.MaxGeneration, GC.GetGeneration(word));
    }

    [Fact]
    public void Wait_SleepsInFutexOnItsOwnWord_WithNoTimeoutWhenInfinite()
    {
        using var sleeper = new Sleeper(Timeout.Infinite);
        ulong[] args = sleeper.AwaitBlocked();
        Assert.Equal((ulong)sleeper.Address, args[0]);
        Assert.Equal(0UL, args[3]); // a null timespec: no limit
    }

    [Fact]
    public void Wait_WithATimeout_HandsFutexItsSecondsAndNanoseconds()
    {
        using var sleeper = new Sleeper(timeoutMs: 20_500);
        ulong[] args = sleeper.AwaitBlocked();
        Assert.NotEqual(0UL, args[3]);
        // The timespec lives in the sleeper's frame, which stays while the sleeper loops on its unchanged word.
        long seconds = ((long*)args[3])[0], nanoseconds = ((long*)args[3])[1];
        Assert.Equal((20L, 500_000_000L), (seconds, nanoseconds));
    }

    [Fact]
    public void Wait_WithAZeroTimeout_OnAnUnchangedWord_Returns()
    {
        int[] holder = Futex.AllocateWord();
        Bounded.Call(() =>
        {
            Futex.Wait(Futex.AddressOf(holder), expected: 0, timeoutMs: 0);
            return true;
        }, "a Wait with a zero timeout on an unchanged word");
    }

    /// <summary>
    /// A thread that waits on a fresh word (0) until the word changes, re-entering Wait after any spurious return; its
    /// disposal changes the word, wakes it and joins it.
    /// </summary>
    private sealed class Sleeper : IDisposable
    {
        private readonly int[] _holder = Futex.AllocateWord();
        private readonly Thread _thread;
        private int _tid;

        internal Sleeper(int timeoutMs)
        {
            _thread = new Thread(() =>
            {
                Volatile.Write(ref _tid, OsThreads.GetTid());
                int* word = Futex.AddressOf(_holder);
                while (Volatile.Read(ref *word) == 0) Futex.Wait(word, expected: 0, timeoutMs);
            }) { IsBackground = true };
            _thread.Start();
        }

        internal nint Address => (nint)Futex.AddressOf(_holder);

        /// <summary>Polls (bounded) until the thread is inside futex(2) on its word; returns the call's arguments.</summary>
        internal ulong[] AwaitBlocked()
        {
            ulong[] args = [];
            Bounded.Until(() =>
            {
                int tid = Volatile.Read(ref _tid);
                if (tid == 0 || OsThreads.BlockedIn(tid) is not { } call || call.Number != SysFutex || call.Args[0] != (ulong)Address) return false;
                args = call.Args;
                return true;
            }, "the sleeper inside futex(2) on its own word");
            return args;
        }

        public void Dispose()
        {
            Interlocked.Exchange(ref *Futex.AddressOf(_holder), 1);
            Futex.Wake(Futex.AddressOf(_holder));
            Bounded.Join(_thread, "the sleeper after its word changed and it was woken");
        }
    }
}

using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Engine;

/// <summary>
/// The futex contract kept by the monitor fallback, which <see cref="Futex"/> uses only off Linux, so it is checked
/// here directly: no sleep on a word that differs, a sleep on one that does not, woken by a wake, bounded by a timeout.
/// </summary>
public sealed unsafe class MonitorFutexTests
{
    [Fact]
    public void Wait_OnAWordThatDiffers_ReturnsWithoutSleeping()
    {
        int[] holder = Futex.AllocateWord();
        *Futex.AddressOf(holder) = 1;
        Bounded.Call(() =>
        {
            MonitorFutex.Wait(Futex.AddressOf(holder), expected: 0, Timeout.Infinite);
            return true;
        }, "a Wait on a word that does not hold the expected value");
    }

    [Fact]
    public void Wait_OnAnUnchangedWord_SleepsUntilAWakeAfterTheChange()
    {
        int[] holder = Futex.AllocateWord();
        Thread? sleeper = null;
        Task wait = Task.Factory.StartNew(() =>
        {
            Volatile.Write(ref sleeper, Thread.CurrentThread);
            MonitorFutex.Wait(Futex.AddressOf(holder), expected: 0, Timeout.Infinite);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        // No other wake reaches this word's monitor (only these tests use the fallback, one at a time), so the only
        // way out of the sleep is the wake below.
        Bounded.Until(() => wait.IsCompleted || (Volatile.Read(ref sleeper) is { } t && (t.ThreadState & ThreadState.WaitSleepJoin) != 0),
            "the waiter asleep or returned");
        Assert.Null(wait.Exception);
        Assert.False(wait.IsCompleted, "Wait returned while its word still held the expected value and nothing woke it");

        Interlocked.Exchange(ref *Futex.AddressOf(holder), 1);
        MonitorFutex.Wake(Futex.AddressOf(holder));
        Bounded.Wait(wait, "the waiter after its word changed and it was woken");
    }

    [Fact]
    public void Wait_WithAZeroTimeout_OnAnUnchangedWord_Returns()
    {
        int[] holder = Futex.AllocateWord();
        Bounded.Call(() =>
        {
            MonitorFutex.Wait(Futex.AddressOf(holder), expected: 0, timeoutMs: 0);
            return true;
        }, "a Wait with a zero timeout on an unchanged word");
    }
}

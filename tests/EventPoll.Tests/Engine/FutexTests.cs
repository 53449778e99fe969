using Xunit;

namespace EventPoll.Tests.Engine;

/// <summary>The futex contract the waiters and locks rely on: no sleep on a changed word, no lost wake.</summary>
public sealed unsafe class FutexTests
{
    private static TimeSpan Generous => Support.Bounded.Limit;

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
}

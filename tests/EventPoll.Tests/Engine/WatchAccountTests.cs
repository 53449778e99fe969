using Xunit;

namespace EventPoll.Tests.Engine;

/// <summary>The striped watch count: exact at the limit for one thread, exact in total under concurrency.</summary>
public sealed class WatchAccountTests
{
    [Fact]
    public void SingleThread_ChargesUpToTheLimitExactly_PastTheStripedFastPath()
    {
        const int max = 5_000; // far above processors x fold batch, so the fast path and folding both run
        var account = new WatchAccount(max);
        for (int i = 0; i < max; i++) Assert.True(account.TryCharge(), $"charge {i} refused below the limit");
        Assert.False(account.TryCharge());
        Assert.Equal(max, account.Watches);
        account.Uncharge();
        Assert.True(account.TryCharge());
        Assert.False(account.TryCharge());
    }

    [Fact]
    public void ConcurrentChargesAndReleases_SumExactly()
    {
        const int threads = 4, rounds = 100_000, kept = 1_000;
        var account = new WatchAccount(long.MaxValue);
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            for (int i = 0; i < rounds; i++)
            {
                Assert.True(account.TryCharge());
                if (i >= kept) account.Uncharge(); // often on another processor than the charge: the stripes go negative
            }
        })).ToArray();
        foreach (Thread w in workers) w.Start();
        foreach (Thread w in workers) Assert.True(w.Join(TimeSpan.FromSeconds(60)));
        Assert.Equal(threads * kept, account.Watches);
    }
}

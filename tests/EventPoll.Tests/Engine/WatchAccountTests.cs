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
    public void MaxWatches_RefusesANegativeLimit_AndKeepsTheOldOne()
    {
        var account = new WatchAccount(10);
        Assert.Throws<ArgumentOutOfRangeException>(() => account.MaxWatches = -1);
        Assert.Equal(10, account.MaxWatches);
        account.MaxWatches = 0;
        Assert.False(account.TryCharge());
    }

    /// <summary>sysinfo's byte totals become whole pages before the kernel's formula: a partial page counts for nothing, and high memory is taken off.</summary>
    [Fact]
    public void DefaultLimit_FormulaOverBytes_CountsWholePages_AndTakesOffHighMemory()
    {
        const long page = 4096;
        Assert.Equal(0, WatchAccount.MaxWatchesForBytes(25 * page - 1, 0, page));       // 24 whole pages: 24 / 25 = 0
        Assert.Equal(4096 / 184, WatchAccount.MaxWatchesForBytes(25 * page, 0, page)); // 25 pages: one page of watches
        // 1100 and 100 whole pages (each with a partial page over): 1000 / 25 * 4096 / 184 = 890.
        Assert.Equal(890, WatchAccount.MaxWatchesForBytes(1100 * page + page - 1, 100 * page + page - 1, page));
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

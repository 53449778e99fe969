using EventPoll;
using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Rules;

/// <summary>
/// EPOLL_CTL_MOD without the interest lock: a registered item is found by a lock-free lookup and its events and
/// data change together under the item's own settings lock; a harvest's ONESHOT disable yields to a MOD that
/// came after the harvest read the item.
/// </summary>
public class LockFreeModRules
{
    private const EpollEvents In = EpollEvents.In;
    private const EpollEvents OneShot = EpollEvents.In | EpollEvents.OneShot;
    private const uint AlwaysReported = (uint)(EpollEvents.Err | EpollEvents.Hup);
    private const int ModsDuringReads = 10_000; // MODs each modifier completes while the settings are being read
    private const int MinReads = 2_000_000;     // settings reads at the least
    private readonly World _w = new();

    [Fact]
    public void Mod_RearmsWhileAnotherThreadHoldsTheInterestLock()
    {
        var (ep, efd, instance, _) = _w.WatchedEventFd(OneShot, 1, initial: 1);
        Assert.Equal([1UL], _w.WaitData(ep)); // delivered: the arming is used up
        Errno result = Errno.EINTR;
        var modifier = new Thread(() => result = _w.Mod(ep, efd, OneShot, 2));
        instance.InterestLock.Enter(); // stands for a harvesting thread preempted while it holds the lock
        try
        {
            modifier.Start();
            Bounded.Join(modifier, "the MOD waited for the interest lock");
        }
        finally
        {
            instance.InterestLock.Exit();
            Bounded.Join(modifier, "the MOD did not finish after the interest lock was released");
        }
        Assert.Equal(Errno.None, result);
        Assert.Equal([2UL], _w.WaitData(ep));
    }

    [Fact]
    public void Mod_OfAnUnregisteredDescriptor_IsStillEnoent()
    {
        int ep = _w.Create();
        int efd = _w.EventFd();
        Assert.Equal(Errno.ENOENT, _w.Mod(ep, efd, In));
        Assert.Equal(Errno.None, _w.Add(ep, efd, In));
        Assert.Equal(Errno.None, _w.Del(ep, efd));
        Assert.Equal(Errno.ENOENT, _w.Mod(ep, efd, In)); // the removed item is not found (or found removed)
    }

    [Fact]
    public void Mod_FindsEveryItemAcrossGrowthAndShrinkOfTheInterestSet()
    {
        int ep = _w.Create();
        var fds = Enumerable.Range(0, 300).Select(_ => _w.EventFd()).ToArray();
        foreach (int fd in fds) Assert.Equal(Errno.None, _w.Add(ep, fd, In, (ulong)fd));
        for (int i = 0; i < fds.Length; i += 2) Assert.Equal(Errno.None, _w.Del(ep, fds[i])); // shifts entries back
        for (int i = 0; i < fds.Length; i++)
        {
            Assert.Equal(i % 2 == 0 ? Errno.ENOENT : Errno.None, _w.Mod(ep, fds[i], In, 1000 + (ulong)fds[i]));
        }
        Assert.Contains($"data: {1000 + fds[1],16:x}", _w.FdInfo(ep), StringComparison.Ordinal);
    }

    [Fact]
    public void OneShotDisable_YieldsToAModThatCameAfterTheHarvestReadTheItem()
    {
        EpItem item = _w.WatchedEventFd(OneShot, 1).Item;
        (uint events, ulong data) = item.ReadSettings();  // the harvest's read, before its poll
        item.WriteSettings(events, 2);                    // a MOD re-arms with new data meanwhile
        item.DisableIfUnchanged(events, data);            // the harvest reports data 1, then disables
        Assert.Equal((events, 2UL), item.ReadSettings()); // the MOD's arming stands
    }

    [Fact]
    public void OneShotDisable_UsesUpAnArmingThatIsStillTheOneRead()
    {
        EpItem item = _w.WatchedEventFd(OneShot, 1).Item;
        (uint events, ulong data) = item.ReadSettings();
        item.WriteSettings(events, data);                 // a MOD that rewrote the same pair: indistinguishable
        item.DisableIfUnchanged(events, data);
        Assert.Equal((events & EpItem.PrivateBits, 1UL), item.ReadSettings());
    }

    /// <summary>
    /// Two threads MOD one item with different (events, data) pairs while this thread reads the settings: every read
    /// is one pair a MOD wrote. The reads go on until each modifier has completed <see cref="ModsDuringReads"/> MODs
    /// after the reading started, so the reads really overlap MODs (on any machine load), and every MOD must succeed.
    /// </summary>
    [Fact]
    public void ConcurrentMods_LeaveOnePairAModWrote_NeverAMix()
    {
        var (ep, efd, _, item) = _w.WatchedEventFd(In, 1);
        var pairs = new[] { ((uint)In | AlwaysReported, 0x1111UL), ((uint)EpollEvents.Out | AlwaysReported, 0x2222UL) };
        var mods = new long[pairs.Length];
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Errno>();
        using var stop = new CancellationTokenSource();
        var modifiers = pairs.Select((p, i) => new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                Errno result = _w.Mod(ep, efd, (EpollEvents)(p.Item1 & ~AlwaysReported), p.Item2);
                if (result != Errno.None) failures.Enqueue(result);
                Interlocked.Increment(ref mods[i]);
            }
        }) { IsBackground = true, Name = $"modifier {i}" }).ToArray();
        foreach (Thread t in modifiers) t.Start();
        try
        {
            long[] before = [.. Enumerable.Range(0, mods.Length).Select(i => Volatile.Read(ref mods[i]))];
            var clock = System.Diagnostics.Stopwatch.StartNew();
            long reads = 0;
            while (reads < MinReads || Enumerable.Range(0, mods.Length).Any(i => Volatile.Read(ref mods[i]) < before[i] + ModsDuringReads))
            {
                for (int i = 0; i < 1000; i++, reads++)
                {
                    (uint events, ulong data) = item.ReadSettings();
                    Assert.True(data == 1 || pairs.Contains((events, data)), $"torn settings: events {events:x} with data {data:x}");
                }
                Assert.True(clock.Elapsed < Bounded.Limit, $"the modifiers did not run: {string.Join(", ", mods)} MODs after {reads} reads");
            }
        }
        finally
        {
            stop.Cancel();
            Bounded.Join(modifiers, "a modifier did not stop");
        }
        Assert.Empty(failures);
        Assert.Contains(item.ReadSettings(), pairs); // the last MOD's pair stands
    }
}

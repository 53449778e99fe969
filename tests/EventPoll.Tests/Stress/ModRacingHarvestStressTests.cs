using EventPoll.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace EventPoll.Tests.Stress;

/// <summary>
/// MOD racing the harvest of edge-triggered or ONESHOT items (the epoll59 re-arm, many items and threads): eight
/// eventfds hold 1 and are never read, so they stay readable; registered IN|ET or IN|ONESHOT, each is reported once
/// per edge or arming, and the only edges and armings are the ADD and each MOD. Two threads keep MODding (each owns
/// half of the files, so a file's MODs are ordered; half the time a modifier waits until its MOD was reported), two
/// harvesters block without a timeout. MOD takes no interest lock, so it lands in the middle of harvests.
/// </summary>
/// <remarks>
/// Invariants: a file is reported at most once per edge or arming (reports &lt;= 1 + MODs so far: an item is never
/// queued twice, and each ONESHOT token is delivered once across both harvesters); no duplicate in one harvest; no
/// lost re-arm: a harvest's ONESHOT disable must not erase a MOD that came after the harvest read the item, so after
/// the modifiers stop every file's last MOD token is reported within a generous bound by the blocked harvesters.
/// </remarks>
[Collection(StressCollection.Name)]
public sealed class ModRacingHarvestStressTests(ITestOutputHelper output)
{
    private const int Files = 8, Modifiers = 2, Harvesters = 2;

    [Theory]
    [InlineData(EpollEvents.EdgeTriggered)]
    [InlineData(EpollEvents.OneShot)]
    public void ModRearmsRacingHarvests_AreNeitherLostNorDoubled(EpollEvents mode)
    {
        bool oneShot = mode == EpollEvents.OneShot;
        long liveBefore = EngineAccess.QuiescedLiveInstances();
        var account = new WatchAccount(100_000);
        var table = new DescriptorTable();
        var px = new Posix(table, account);
        int ep = px.EpollCreate1(0);
        var fds = new int[Files];
        var mods = new long[Files];
        var lastMod = new long[Files];
        var reports = new long[Files];
        var delivered = new long[Files];
        for (int i = 0; i < Files; i++)
        {
            fds[i] = px.EventFd(1, Posix.O_NONBLOCK);
            ulong token = Token.Next(oneShot, i);
            lastMod[i] = (long)Token.Serial(token);
            Assert.Equal(0, px.EpollCtl(ep, Posix.EPOLL_CTL_ADD, fds[i], new EpollEvent(EpollEvents.In | mode, token)));
        }

        var harvesters = new StressRun();
        var log = new DeliveryLog(); // shared: a ONESHOT arming delivered to both harvesters is a failure
        using var stop = new CancellationTokenSource();
        for (int h = 0; h < Harvesters; h++)
        {
            harvesters.Start($"harvester {h}", rng =>
            {
                var events = new EpollEvent[4];
                while (true)
                {
                    int n = px.EpollWait(ep, events, rng.Next(1, 5), -1, stop.Token);
                    if (n < 0)
                    {
                        if (Posix.Errno != Errno.EINTR || !stop.IsCancellationRequested) harvesters.Fail($"wait failed with {Posix.Errno}");
                        return;
                    }
                    StressChecks.CheckHarvest(harvesters, events.AsSpan(0, n), log, "harvest");
                    foreach (EpollEvent e in events.AsSpan(0, n))
                    {
                        int i = Token.Payload(e.Data);
                        long r = Interlocked.Increment(ref reports[i]);
                        if (r > 1 + Volatile.Read(ref mods[i])) harvesters.Fail($"file {i}: {r} reports for {Volatile.Read(ref mods[i])} MODs (an edge reported twice)");
                        long serial = (long)Token.Serial(e.Data);
                        long seen;
                        while ((seen = Volatile.Read(ref delivered[i])) < serial && Interlocked.CompareExchange(ref delivered[i], serial, seen) != seen) { }
                    }
                }
            });
        }

        var modifiers = new StressRun();
        for (int m = 0; m < Modifiers; m++)
        {
            int me = m;
            modifiers.Start($"modifier {m}", rng =>
            {
                while (!modifiers.Stopping && !harvesters.HasFailures)
                {
                    int i = me + Modifiers * rng.Next(Files / Modifiers);
                    ulong token = Token.Next(oneShot, i);
                    Interlocked.Increment(ref mods[i]); // before the MOD: its edge may be reported before it returns
                    if (px.EpollCtl(ep, Posix.EPOLL_CTL_MOD, fds[i], new EpollEvent(EpollEvents.In | mode, token)) != 0)
                    {
                        modifiers.Fail($"MOD failed with {Posix.Errno}");
                    }
                    long serial = (long)Token.Serial(token);
                    Volatile.Write(ref lastMod[i], serial);
                    // Half the time wait for this re-arm to be harvested (epoll59's ping-pong), so MODs keep landing
                    // while a harvester is mid-scan rather than piling onto an already queued item.
                    if (rng.Next(2) == 0 && !SpinWait.SpinUntil(() => Volatile.Read(ref delivered[i]) >= serial || harvesters.HasFailures, StressSettings.Generous))
                    {
                        modifiers.Fail($"lost re-arm: MOD token {serial} of file {i} never reported");
                    }
                }
            });
        }
        modifiers.RunFor(StressSettings.RaceDuration);
        modifiers.AssertClean();

        bool caughtUp = SpinWait.SpinUntil(() => harvesters.HasFailures || Enumerable.Range(0, Files).All(i => Volatile.Read(ref delivered[i]) >= lastMod[i]), StressSettings.Generous);
        stop.Cancel();
        harvesters.JoinAll();
        harvesters.AssertClean();
        Assert.True(caughtUp, $"lost re-arm: last MOD tokens {string.Join(",", lastMod)}, delivered {string.Join(",", delivered)}");
        output.WriteLine($"seed {StressSettings.Seed}, {mode}: {mods.Sum()} MODs, {reports.Sum()} reports");
        Assert.True(mods.Sum() > 1000, "too few MODs to mean anything");

        StressChecks.CloseAll(table);
        Assert.Equal(0, account.Watches);
        Assert.Equal(liveBefore, Eventpoll.LiveInstances);
    }
}

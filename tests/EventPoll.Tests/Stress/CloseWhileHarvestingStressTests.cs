using EventPoll.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace EventPoll.Tests.Stress;

/// <summary>
/// Files closed while another thread harvests them (epi_fget, reference §2.4): six always-ready files are
/// registered level-triggered; one thread closes them in random order while another harvests one or two
/// events at a time, so a harvest keeps polling files whose last reference is going.
/// </summary>
/// <remarks>
/// Invariants: a file is never polled once its watches are gone (a scan polls under the instance's lock, which the
/// file's teardown needs to remove its item, so its Poll still finds a watcher) nor after its own release ran; a wait that starts after close(fd) returned never reports that file (the harvester is the
/// only other thread that can hold a reference, and it drops it before its wait returns); after each round the
/// instance has no items, and no file keeps a watcher or a wait entry.
/// </remarks>
[Collection(StressCollection.Name)]
public sealed class CloseWhileHarvestingStressTests(ITestOutputHelper output)
{
    private const int Files = 6;

    [Fact]
    public void ClosingFilesUnderAHarvest_NeverPollsADeadFile_AndLeaksNothing()
    {
        long liveBefore = EngineAccess.QuiescedLiveInstances();
        var account = new WatchAccount(100_000);
        var table = new DescriptorTable();
        var px = new Posix(table, account);
        int ep = px.EpollCreate1(0);
        var epObj = (Eventpoll)EngineAccess.FileAt(table, ep)!;
        var probes = new ProbeFile[Files];
        var fds = new int[Files];
        var closed = new int[Files];
        long reports = 0;
        var noDuplicates = new DeliveryLog(); // no ONESHOT here: only the duplicate and empty-mask checks apply

        var rounds = new Rounds(2);
        int count = rounds.RunFor(StressSettings.RaceDuration, minRounds: 101, rng =>
        {
            for (int i = 0; i < Files; i++)
            {
                probes[i] = new ProbeFile(rounds.Run);
                fds[i] = table.Install(probes[i]);
                closed[i] = 0;
                Assert.Equal(0, px.EpollCtl(ep, Posix.EPOLL_CTL_ADD, fds[i], new EpollEvent(EpollEvents.In, (ulong)i)));
            }
            int[] order = [.. Enumerable.Range(0, Files).OrderBy(_ => rng.Next())];
            int maxEvents = rng.Next(1, 3);
            return part =>
            {
                if (part == 1)
                {
                    foreach (int i in order)
                    {
                        Assert.Equal(0, px.Close(fds[i]));
                        Volatile.Write(ref closed[i], 1);
                    }
                    return;
                }
                var events = new EpollEvent[2];
                var closedBefore = new bool[Files];
                while (true)
                {
                    bool all = true;
                    for (int i = 0; i < Files; i++) all &= closedBefore[i] = Volatile.Read(ref closed[i]) != 0;
                    int n = px.EpollWait(ep, events, maxEvents, 0);
                    Assert.True(n >= 0, $"wait failed with {Posix.Errno}");
                    StressChecks.CheckHarvest(rounds.Run, events.AsSpan(0, n), noDuplicates, "harvest");
                    foreach (EpollEvent e in events.AsSpan(0, n))
                    {
                        Interlocked.Increment(ref reports);
                        if (closedBefore[e.Data]) rounds.Run.Fail($"file {e.Data} reported by a wait that started after its close returned");
                    }
                    if (all) return;
                }
            };
        }, () =>
        {
            Assert.Equal(0, epObj.ItemCount);
            Assert.Equal(0, account.Watches);
            foreach (ProbeFile p in probes)
            {
                Assert.True(p.IsReleased && p.ReleaseRan);
                Assert.Null(p.FirstWatcher);
                Assert.Equal(0, p.Queue.Count);
            }
        });
        output.WriteLine($"seed {StressSettings.Seed}: {count} rounds, {reports} reports");

        StressChecks.CloseAll(table);
        Assert.Equal(0, account.Watches);
        Assert.Equal(liveBefore, Eventpoll.LiveInstances);
    }

    /// <summary>An always-readable file that checks how it is polled.</summary>
    private sealed class ProbeFile(StressRun run) : OpenFile
    {
        private int _releaseRan;

        internal WaitQueue Queue { get; } = new();

        internal bool ReleaseRan => Volatile.Read(ref _releaseRan) != 0;

        public override EpollEvents Poll(PollTable? table)
        {
            if (Volatile.Read(ref FirstWatcher) is null) run.Fail("polled after its watches were removed (a scan polled without the instance's lock)");
            if (ReleaseRan) run.Fail("polled after its release ran (use after free)");
            table?.Register(Queue);
            return EpollEvents.In;
        }

        protected override void OnRelease()
        {
            Volatile.Write(ref _releaseRan, 1);
            Queue.Wake(EpollEvents.Hup);
        }
    }
}

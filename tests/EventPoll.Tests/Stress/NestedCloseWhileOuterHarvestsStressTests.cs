using EventPoll.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace EventPoll.Tests.Stress;

/// <summary>
/// Nested instances closed while the outer instance harvests them: each round three inner instances (one of
/// them nested one level deeper inside another) watch ready eventfds and are registered in a long-lived outer
/// instance; one thread closes the inner instances in random order, one harvests the outer instance (which
/// polls the inner ones under their locks), one keeps writing the eventfds and changing the inner registrations.
/// </summary>
/// <remarks>
/// Invariants: an inner instance that was already freed when a wait started is never reported by it; no
/// duplicate in one harvest; after each round the outer instance has no items, every inner instance is freed,
/// the account holds no watch, and the live-instance count is one (the outer).
/// </remarks>
[Collection(StressCollection.Name)]
public sealed class NestedCloseWhileOuterHarvestsStressTests(ITestOutputHelper output)
{
    private const int Inner = 3, FilesPerInner = 2;

    [Fact]
    public void ClosingNestedInstancesUnderAnOuterHarvest_FreesThemAndNeverReportsAFreedOne()
    {
        long liveBefore = EngineAccess.QuiescedLiveInstances();
        var account = new WatchAccount(100_000);
        var table = new DescriptorTable();
        var px = new Posix(table, account);
        int outer = px.EpollCreate1(0);
        var outerObj = (Eventpoll)EngineAccess.FileAt(table, outer)!;
        var inner = new int[Inner];
        var innerObj = new Eventpoll[Inner];
        var files = new int[Inner * FilesPerInner];
        byte[] one = BitConverter.GetBytes(1UL);
        long reports = 0;
        var noDuplicates = new DeliveryLog(); // no ONESHOT here: only the duplicate and empty-mask checks apply

        var rounds = new Rounds(3);
        int count = rounds.RunFor(StressSettings.RaceDuration, minRounds: 101, rng =>
        {
            for (int k = 0; k < Inner; k++)
            {
                inner[k] = px.EpollCreate1(0);
                innerObj[k] = (Eventpoll)EngineAccess.FileAt(table, inner[k])!;
                for (int j = 0; j < FilesPerInner; j++)
                {
                    int f = files[k * FilesPerInner + j] = px.EventFd(rng.Next(3) == 0 ? 0u : 1u, Posix.O_NONBLOCK);
                    EpollEvents mode = rng.Next(2) == 0 ? EpollEvents.In : EpollEvents.In | EpollEvents.EdgeTriggered;
                    Assert.Equal(0, px.EpollCtl(inner[k], Posix.EPOLL_CTL_ADD, f, new EpollEvent(mode, 0)));
                }
            }
            // inner[2] sits inside inner[1] (outer -> 1 -> 2) and, every other round, in the outer one too.
            Assert.Equal(0, px.EpollCtl(inner[1], Posix.EPOLL_CTL_ADD, inner[2], new EpollEvent(EpollEvents.In, 0)));
            for (int k = 0; k < Inner; k++)
            {
                if (k == 2 && rng.Next(2) == 0) continue;
                EpollEvents mode = rng.Next(2) == 0 ? EpollEvents.In : EpollEvents.In | EpollEvents.EdgeTriggered;
                Assert.Equal(0, px.EpollCtl(outer, Posix.EPOLL_CTL_ADD, inner[k], new EpollEvent(mode, (ulong)k)));
            }
            int[] order = [.. Enumerable.Range(0, Inner).OrderBy(_ => rng.Next())];
            return part =>
            {
                switch (part)
                {
                    case 0:
                        foreach (int k in order) Assert.Equal(0, px.Close(inner[k]));
                        break;
                    case 1:
                        var events = new EpollEvent[2];
                        var freedBefore = new bool[Inner];
                        while (true)
                        {
                            bool all = true;
                            for (int k = 0; k < Inner; k++) all &= freedBefore[k] = innerObj[k].IsFreed;
                            int n = px.EpollWait(outer, events, 2, 0);
                            Assert.True(n >= 0, $"wait failed with {Posix.Errno}");
                            StressChecks.CheckHarvest(rounds.Run, events.AsSpan(0, n), noDuplicates, "outer harvest");
                            foreach (EpollEvent e in events.AsSpan(0, n))
                            {
                                Interlocked.Increment(ref reports);
                                if (freedBefore[e.Data]) rounds.Run.Fail($"inner instance {e.Data} reported after it was freed");
                            }
                            if (all) return;
                        }
                    default:
                        Span<byte> value = stackalloc byte[8];
                        foreach (int k in order)
                        {
                            int f = files[k * FilesPerInner + rng.Next(FilesPerInner)];
                            if (px.Write(f, one) != 8) rounds.Run.Fail($"write failed with {Posix.Errno}");
                            if (px.Read(files[k * FilesPerInner], value) < 0 && Posix.Errno != Errno.EAGAIN) rounds.Run.Fail($"read failed with {Posix.Errno}");
                            int r = px.EpollCtl(inner[k], Posix.EPOLL_CTL_MOD, f, new EpollEvent(EpollEvents.In | EpollEvents.EdgeTriggered, 0));
                            if (r < 0 && Posix.Errno is not (Errno.EBADF or Errno.ENOENT)) rounds.Run.Fail($"MOD failed with {Posix.Errno}");
                        }
                        break;
                }
            };
        }, () =>
        {
            Assert.Equal(0, outerObj.ItemCount);
            foreach (Eventpoll e in innerObj) Assert.True(e.IsFreed, "a closed inner instance was not freed");
            Assert.Equal(0, account.Watches);
            Assert.Equal(liveBefore + 1, Eventpoll.LiveInstances);
            foreach (int f in files) Assert.Equal(0, px.Close(f));
        });
        output.WriteLine($"seed {StressSettings.Seed}: {count} rounds, {reports} reports");

        StressChecks.CloseAll(table);
        Assert.Equal(0, account.Watches);
        Assert.Equal(liveBefore, Eventpoll.LiveInstances);
    }
}

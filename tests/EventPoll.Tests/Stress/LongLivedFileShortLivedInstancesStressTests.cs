using EventPoll.Tests.Support;
using System.Runtime.CompilerServices;
using Xunit;
using Xunit.Abstractions;

namespace EventPoll.Tests.Stress;

/// <summary>
/// Eric Biggers' objection to the refcount patch (reference §2.3): one long-lived eventfd polled by a stream of
/// short-lived instances. Two threads each loop {create an instance, ADD the eventfd, sometimes wait (it is
/// readable, so exactly one event), sometimes DEL, close the instance}: 100,000 instances in CI, 1,000,000 with
/// EVENTPOLL_STRESS_LONG=1.
/// </summary>
/// <remarks>
/// Memory stays flat: at ten checkpoints (all threads paused) the account has no watch, the live-instance count
/// is back to its baseline and the eventfd has no watcher and no wait entry; the GC heap after the run is within
/// 1 MiB of the heap before it (a leak of one item per instance would be tens of MB).
/// </remarks>
[Collection(StressCollection.Name)]
public sealed class LongLivedFileShortLivedInstancesStressTests(ITestOutputHelper output)
{
    private const int Threads = 2, Checkpoints = 10;
    private const long MemoryBound = 1 << 20;

    private static int Instances => StressSettings.Long ? 1_000_000 : 100_000;

    [Fact]
    public void ALongLivedFilePolledByManyShortLivedInstances_KeepsMemoryFlat()
    {
        long liveBefore = EngineAccess.QuiescedLiveInstances();
        var account = new WatchAccount(1_000);
        var table = new DescriptorTable();
        var px = new Posix(table, account);
        int efd = px.EventFd(1, Posix.O_NONBLOCK);
        var file = (EventFdFile)EngineAccess.FileAt(table, efd)!;
        int perPhase = Instances / Checkpoints / Threads;

        RunPhase(px, efd, perPhase); // warm-up: pools, thread statics, the table's slots
        long before = GC.GetTotalMemory(forceFullCollection: true);
        for (int c = 0; c < Checkpoints; c++)
        {
            RunPhase(px, efd, perPhase);
            Assert.Equal(0, account.Watches);
            Assert.Equal(liveBefore, Eventpoll.LiveInstances);
            Assert.Null(file.FirstWatcher);
            Assert.Equal(0, file.Queue.Count);
            Assert.Equal(1, table.Count);
        }
        long after = GC.GetTotalMemory(forceFullCollection: true);
        output.WriteLine($"{Instances} instances: heap {before} -> {after} bytes ({after - before:+#;-#;0})");
        Assert.True(after - before < MemoryBound, $"the heap grew by {after - before} bytes over {Instances} short-lived instances");

        StressChecks.CloseAll(table);
        Assert.Equal(liveBefore, Eventpoll.LiveInstances);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RunPhase(Posix px, int efd, int iterations)
    {
        var run = new StressRun();
        for (int t = 0; t < Threads; t++)
        {
            run.Start($"short-lived {t}", rng =>
            {
                var events = new EpollEvent[2];
                for (int i = 0; i < iterations && !run.HasFailures; i++)
                {
                    int ep = px.EpollCreate1(0);
                    if (ep < 0) run.Fail($"epoll_create1 failed with {Posix.Errno}");
                    EpollEvents mode = rng.Next(2) == 0 ? EpollEvents.In : EpollEvents.In | EpollEvents.EdgeTriggered;
                    if (px.EpollCtl(ep, Posix.EPOLL_CTL_ADD, efd, new EpollEvent(mode, 7)) != 0) run.Fail($"ADD failed with {Posix.Errno}");
                    int what = rng.Next(4);
                    if (what < 2)
                    {
                        int n = px.EpollWait(ep, events, 2, 0);
                        if (n != 1 || events[0].Data != 7) run.Fail($"wait on a readable eventfd returned {n}");
                    }
                    if (what == 3 && px.EpollCtl(ep, Posix.EPOLL_CTL_DEL, efd, null) != 0) run.Fail($"DEL failed with {Posix.Errno}");
                    if (px.Close(ep) != 0) run.Fail($"close failed with {Posix.Errno}");
                }
            });
        }
        run.JoinAll();
        run.AssertClean();
    }
}

using System.Diagnostics;
using System.Runtime.CompilerServices;
using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Rules;

/// <summary>Tests that read the process-wide <see cref="Eventpoll.LiveInstances"/> counter run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveInstancesCollection
{
    public const string Name = "LiveInstances";
}

/// <summary>
/// Object lifetimes (the v6.4 refcount + dying design, Biggers' objection, epi_fget): closing an instance frees
/// its items at once, a long-lived file polled by many short-lived instances holds nothing, a file mid-close
/// polls as 0, and concurrent closes of an instance and its targets neither leak nor remove twice.
/// Debug.Assert is live in these (Debug) runs, so a double removal fails the run.
/// </summary>
[Collection(LiveInstancesCollection.Name)]
public class LifetimeRules
{
    private const EpollEvents In = EpollEvents.In;

    [Fact]
    public void ClosingAnInstance_RemovesAllItsItemsAtOnce()
    {
        var w = new World();
        long baseline = EngineAccess.QuiescedLiveInstances();
        int ep = w.Create();
        var targets = new List<(FakeFile File, int Fd)>();
        for (int i = 0; i < 10; i++) targets.Add(w.Fake(i % 2 == 0 ? In : EpollEvents.None));
        int[] refsBefore = [.. targets.Select(t => t.File.ReferenceCount)];
        foreach (var (_, fd) in targets) Assert.Equal(Errno.None, w.Add(ep, fd, In | EpollEvents.EdgeTriggered));
        Assert.Equal(refsBefore, targets.Select(t => t.File.ReferenceCount)); // items hold no file references
        Assert.All(targets, t => Assert.Equal(1, Internals.WatcherCount(t.File)));
        Assert.Equal(baseline + 1, Eventpoll.LiveInstances);

        w.Close(ep);

        Assert.Equal(0, w.Account.Watches);
        Assert.Equal(baseline, Eventpoll.LiveInstances);
        Assert.Equal(refsBefore, targets.Select(t => t.File.ReferenceCount));
        Assert.All(targets, t => Assert.Equal(0, Internals.WatcherCount(t.File)));
        Assert.All(targets, t => Assert.Equal(0, t.File.Queue.Count)); // wait entries unregistered
    }

    [Fact]
    public void LongLivedFile_PolledByManyShortLivedInstances_HoldsNoMemory()
    {
        var w = new World(maxWatches: 1); // a leaked watch would make the next ADD fail with ENOSPC
        var (file, fd) = w.Fake(In);
        long baseline = EngineAccess.QuiescedLiveInstances();
        var weak = new List<WeakReference>();
        for (int i = 0; i < 100_000; i++)
        {
            int ep = w.Create();
            Assert.Equal(Errno.None, w.Add(ep, fd, In, (ulong)i));
            if (i % 10_000 == 0) weak.AddRange(Track(w, ep));
            if (i % 3 == 0) Assert.Single(w.Wait(ep)); // sometimes leave the item queued, sometimes harvested
            w.Close(ep);
            if (w.Account.Watches != 0 || Eventpoll.LiveInstances != baseline || file.Queue.Count != 0)
                Assert.Fail($"iteration {i}: watches {w.Account.Watches}, live {Eventpoll.LiveInstances - baseline}, queue {file.Queue.Count}");
        }
        Assert.Equal(0, Internals.WatcherCount(file));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.All(weak, r => Assert.False(r.IsAlive));
        GC.KeepAlive(file);
    }

    /// <summary>Weak references to an instance and its items, made outside the caller's frame so no local keeps them.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference[] Track(World w, int ep)
    {
        Eventpoll instance = w.Instance(ep);
        return [new WeakReference(instance), .. instance.SnapshotItems().Select(item => new WeakReference(item))];
    }

    [Fact]
    public void LastReferenceDroppedByATargetsPollDuringAdd_IsReleasedAfterCtl_WithoutDeadlock()
    {
        var w = new World();
        int ep = w.Create();
        var (f, fdF) = w.Fake();
        var (g, fdG) = w.Fake(In);
        Assert.Equal(Errno.None, w.Add(ep, fdF, In, 1));
        g.OnPoll = () => w.Close(fdF); // foreign code in a poll: F's last reference drops under the interest lock

        Errno added = Errno.EINTR;
        var ctl = new Thread(() => added = w.Add(ep, fdG, In, 2)) { IsBackground = true }; // F's release needs this instance's lock
        ctl.Start();
        Assert.True(ctl.Join(TimeSpan.FromSeconds(30)), "ADD deadlocked on a release inside the target's poll");
        g.OnPoll = null;

        Assert.Equal(Errno.None, added);
        Assert.True(f.IsReleased);
        Assert.Equal(1, w.Instance(ep).ItemCount); // F's item went with F, after the ADD left the lock
        Assert.Equal([new EpollEvent(In, 2)], w.Wait(ep));
    }

    [Fact]
    public void FileMidClose_PollsAsZero_NotReportedEvenAsHupOrErr()
    {
        var w = new World();
        int ep = w.Create();
        var (g, fdG) = w.Fake();
        var (f, fdF) = w.Fake();
        Assert.Equal(Errno.None, w.Add(ep, fdG, In, 1));
        Assert.Equal(Errno.None, w.Add(ep, fdF, In, 2));
        g.Set(In);                                              // G is queued first,
        f.Set(In | EpollEvents.Hup | EpollEvents.Err);          // then F
        int fPolls = 0;
        f.OnPoll = () => fPolls++;
        g.OnPoll = () => w.Close(fdF); // F's last reference drops inside the harvest; its release waits for the scan to end

        Assert.Equal([new EpollEvent(In, 1)], w.Wait(ep));
        Assert.Equal(0, fPolls); // epi_fget failed: the poll did not happen at all
        Assert.True(f.IsReleased);
        Assert.Equal(1, w.Instance(ep).ItemCount); // the deferred release removed F's item once the scan was over
        Assert.Equal(0, Internals.WatcherCount(f));
        Assert.Equal(1, w.Account.Watches);
    }

    [Fact]
    public void FileMidClose_PollOfTheInstanceSeesZero()
    {
        var w = new World();
        int ep = w.Create();
        var (g, fdG) = w.Fake();
        var (f, fdF) = w.Fake();
        Assert.Equal(Errno.None, w.Add(ep, fdG, In, 1));
        Assert.Equal(Errno.None, w.Add(ep, fdF, In, 2));
        g.Set(In);
        g.Set(EpollEvents.None, key: EpollEvents.Msg); // G stays queued first but is no longer ready
        f.Set(In);                                      // F is queued behind it and ready
        int fPolls = 0;
        f.OnPoll = () => fPolls++;
        bool dropped = false;
        g.OnPoll = () =>
        {
            if (dropped) return;
            dropped = true;
            w.Close(fdF); // F's last reference drops while the instance is being polled
        };

        Assert.Equal(EpollEvents.None, w.Px.PollNow(ep, EpollEvents.In)); // F would make it IN, but F is mid-close
        Assert.True(dropped);
        Assert.Equal(0, fPolls);
        Assert.Equal(1, w.Instance(ep).ItemCount);
        Assert.Empty(w.Wait(ep));
    }

    [Fact]
    public void ConcurrentCloseOfInstanceAndTargets_NothingLeaked_NothingRemovedTwice()
    {
        long baseline = EngineAccess.QuiescedLiveInstances();
        var w = new World();
        var sw = Stopwatch.StartNew();
        int iterations = 0;
        using var barrier = new Barrier(2);
        int[] targets = new int[8];
        int ep = -1;
        Exception? closerFailure = null;
        var closer = new Thread(() =>
        {
            while (true)
            {
                barrier.SignalAndWait();
                if (Volatile.Read(ref ep) < 0) return;
                try
                {
                    foreach (int fd in targets)
                    {
                        if (w.Px.Close(fd) != 0) throw new InvalidOperationException($"close({fd}): {Posix.Errno}");
                    }
                }
                catch (InvalidOperationException ex)
                {
                    closerFailure ??= ex;
                }
                barrier.SignalAndWait();
            }
        }) { IsBackground = true }; // left blocked at the barrier when the test fails, it must not keep the run alive
        closer.Start();
        var files = new List<OpenFile>();
        // Two seconds of races, and at least MinIterations however loaded the machine (counted, not timed).
        const int MinIterations = 101;
        while ((sw.Elapsed < TimeSpan.FromSeconds(2) || iterations < MinIterations) && iterations < 50_000)
        {
            int e = w.Create();
            files.Clear();
            for (int i = 0; i < targets.Length; i++)
            {
                targets[i] = i % 2 == 0 ? w.EventFd((uint)(i % 4)) : w.Fake(In).Fd;
                files.Add(w.File(targets[i]));
                Assert.Equal(Errno.None, w.Add(e, targets[i], In | (i % 3 == 0 ? EpollEvents.EdgeTriggered : 0)));
            }
            Volatile.Write(ref ep, e);
            Bounded.SignalAndWait(barrier, "the closer did not arrive to go");
            w.Close(e);
            Bounded.SignalAndWait(barrier, "the closer did not finish its closes");
            iterations++;
            if (closerFailure is not null) break;
            if (w.Account.Watches != 0 || Eventpoll.LiveInstances != baseline || files.Any(f => Internals.WatcherCount(f) != 0 || !f.IsReleased))
                Assert.Fail($"iteration {iterations}: watches {w.Account.Watches}, live {Eventpoll.LiveInstances - baseline}");
        }
        Volatile.Write(ref ep, -1);
        Bounded.SignalAndWait(barrier, "the closer did not arrive to stop");
        Bounded.Join(closer, "the closer did not stop");
        Assert.Null(closerFailure);
        Assert.Equal(0, w.Table.Count);
    }
}

using System.Collections.Concurrent;
using EventPoll.Tests.Rules;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Os;

/// <summary>
/// Several threads waiting on one instance with OS registrations (issue 14): one leads in the kernel, the others
/// wait in user space; leadership passes on when the leader leaves, so no event is lost; cancellation and
/// <see cref="Epoll"/>'s Dispose end a thread wherever it waits; asynchronous waits complete on both kinds.
/// </summary>
public sealed class OsThreadTests : HandleOwner
{
    private const int Threads = 3;

    private readonly ISourceFactory _os = SourceEnd.Factory(SourceKind.Os);
    private readonly ISourceFactory _inProcess = SourceEnd.Factory(SourceKind.InProcess);

    private Epoll NewEpoll() => Own(new Epoll(Table));

    /// <summary>Edge-triggered eventfds in <paramref name="ep"/>, data = index; every second one in-process when <paramref name="mixed"/>.</summary>
    private SourceEnd[] Sources(Epoll ep, int count, bool mixed)
    {
        var sources = new SourceEnd[count];
        for (int i = 0; i < count; i++)
        {
            sources[i] = Own((mixed && i % 2 == 1 ? _inProcess : _os).EventFd(Table));
            sources[i].AddTo(ep, EpollEvents.In | EpollEvents.EdgeTriggered, (ulong)i);
        }
        return sources;
    }

    /// <summary>
    /// <see cref="Threads"/> threads wait once each: one blocks in the kernel, the others in user space. The events
    /// come one at a time, each after the previous one was reported, so the k-th can only be seen if leadership
    /// passed to a thread still waiting (a lost hand-off leaves it unreported and the bounded wait fails).
    /// </summary>
    [LinuxTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void OneLeaderInTheKernel_TheOthersInUserSpace_AndEveryEventReachesAWaitingThread(bool mixed)
    {
        for (int round = 0; round < 10; round++)
        {
            Epoll ep = NewEpoll();
            SourceEnd[] sources = Sources(ep, Threads, mixed);
            Eventpoll engine = Outcome.Engine(ep);
            var reported = new ConcurrentQueue<ulong>();
            var waits = new Task[Threads];
            for (int t = 0; t < Threads; t++)
            {
                waits[t] = OsWaits.OnThread(() =>
                {
                    var one = new EpollEvent[1];
                    int n = ep.Wait(one, Failsafe.Limit);
                    if (n == 1) reported.Enqueue(one[0].Data);
                    return n;
                });
            }
            OsWaits.AwaitBlocked(engine, Threads, () => waits.Any(w => w.IsCompleted));
            Assert.True(engine.Kernel!.HasLeader);
            Assert.Equal(Threads - 1, engine.WaiterCount);

            for (int i = 0; i < Threads; i++)
            {
                sources[i].Signal();
                Assert.True(SpinWait.SpinUntil(() => reported.Count == i + 1, Failsafe.Limit), $"round {round}: event {i} was never reported (lost wakeup)");
            }
            Assert.True(Task.WaitAll(waits, Failsafe.Limit));
            Assert.Equal(Enumerable.Range(0, Threads).Select(i => (ulong)i), reported);
        }
    }

    /// <summary>
    /// Threads looping on waits while writes to eventfds of both kinds come as fast as they can: every write is read
    /// by a thread that was reported its eventfd after it (a lost wakeup leaves a counter unread and the bound runs out).
    /// </summary>
    [LinuxFact]
    public void LoopingWaiters_ReportEveryEventOfBothKinds_ExactlyOnce()
    {
        const int Events = 2_000, Sentinel = -1;
        Epoll ep = NewEpoll();
        SourceEnd[] sources = Sources(ep, 8, mixed: true);
        var reports = new ConcurrentDictionary<ulong, long>();
        var written = new long[sources.Length];
        int stop = 0;
        var waits = new Task[Threads];
        for (int t = 0; t < Threads; t++)
        {
            waits[t] = OsWaits.OnThread(() =>
            {
                var batch = new EpollEvent[2];
                while (Volatile.Read(ref stop) == 0)
                {
                    int n = ep.Wait(batch, Failsafe.Limit);
                    Assert.True(n > 0, "a waiter timed out although events kept coming (lost wakeup)");
                    foreach (EpollEvent e in batch.AsSpan(0, n))
                    {
                        if (e.Data == unchecked((ulong)Sentinel)) continue;
                        // Whoever reports an eventfd reads it: a write left unread at the end was never reported after it.
                        sources[e.Data].TryConsume(out ulong value);
                        reports.AddOrUpdate(e.Data, (long)value, (_, sum) => sum + (long)value);
                    }
                }
                return 0;
            });
        }
        var rng = new Random(14);
        for (int i = 0; i < Events; i++)
        {
            int s = rng.Next(sources.Length);
            sources[s].Signal();
            Interlocked.Increment(ref written[s]);
        }
        for (int s = 0; s < sources.Length; s++)
        {
            int index = s;
            Assert.True(SpinWait.SpinUntil(() => reports.GetValueOrDefault((ulong)index) == Volatile.Read(ref written[index]), Failsafe.Limit),
                $"source {s}: {reports.GetValueOrDefault((ulong)s)} of {written[s]} writes reported");
        }
        Volatile.Write(ref stop, 1);
        SourceEnd end = Own(_os.EventFd(Table, 1));
        end.AddTo(ep, EpollEvents.In, unchecked((ulong)Sentinel)); // level-triggered: wakes every looping thread
        Assert.True(Task.WaitAll(waits, Failsafe.Limit));
    }

    [LinuxFact]
    public async Task CancellingTheLeader_HandsTheKernelToAWaitingThread()
    {
        Epoll ep = NewEpoll();
        SourceEnd[] sources = Sources(ep, 1, mixed: false);
        Eventpoll engine = Outcome.Engine(ep);
        using var leaderToken = new CancellationTokenSource();
        Task<int> leader = OsWaits.OnThread(() => ep.Wait(new EpollEvent[1], -1, leaderToken.Token));
        Assert.True(SpinWait.SpinUntil(() => engine.Kernel!.HasLeader, Failsafe.Limit));
        Task<int> follower = OsWaits.OnThread(() => ep.Wait(new EpollEvent[1], -1));
        OsWaits.AwaitBlocked(engine, 2);

        await leaderToken.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() => leader.WaitAsync(Failsafe.Limit));
        Assert.True(SpinWait.SpinUntil(() => engine.Kernel!.HasLeader && engine.WaiterCount == 0, Failsafe.Limit), "the follower did not take over the kernel");
        Assert.False(follower.IsCompleted);

        sources[0].Signal();
        Assert.Equal(1, await follower.WaitAsync(Failsafe.Limit));
    }

    [LinuxFact]
    public async Task CancellingAFollower_LeavesTheLeaderInTheKernel()
    {
        Epoll ep = NewEpoll();
        SourceEnd[] sources = Sources(ep, 1, mixed: false);
        Eventpoll engine = Outcome.Engine(ep);
        Task<int> leader = OsWaits.OnThread(() => ep.Wait(new EpollEvent[1], -1));
        Assert.True(SpinWait.SpinUntil(() => engine.Kernel!.HasLeader, Failsafe.Limit));
        using var followerToken = new CancellationTokenSource();
        Task<int> follower = OsWaits.OnThread(() => ep.Wait(new EpollEvent[1], -1, followerToken.Token));
        OsWaits.AwaitBlocked(engine, 2);

        await followerToken.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() => follower.WaitAsync(Failsafe.Limit));
        Assert.True(engine.Kernel!.HasLeader);
        Assert.False(leader.IsCompleted);
        sources[0].Signal();
        Assert.Equal(1, await leader.WaitAsync(Failsafe.Limit));
    }

    [LinuxFact]
    public async Task DisposingTheEpoll_EndsTheThreadInTheKernel_AndThoseInUserSpace()
    {
        var ep = new Epoll(Table);
        Sources(ep, 1, mixed: false);
        Eventpoll engine = Outcome.Engine(ep);
        var waits = new Task<int>[Threads];
        for (int t = 0; t < Threads; t++) waits[t] = OsWaits.OnThread(() => ep.Wait(new EpollEvent[1], -1));
        OsWaits.AwaitBlocked(engine, Threads, () => waits.Any(w => w.IsCompleted));
        Assert.True(engine.Kernel!.HasLeader);

        ep.Dispose();
        foreach (Task<int> wait in waits) await Assert.ThrowsAsync<ObjectDisposedException>(() => wait.WaitAsync(Failsafe.Limit));
    }

    [LinuxFact]
    public async Task WaitAsync_OnAnInstanceWithAKernelSide_CompletesOnAnInProcessEvent()
    {
        Epoll ep = NewEpoll();
        SourceEnd[] sources = Sources(ep, 2, mixed: true); // 0: OS, 1: in-process
        var events = new EpollEvent[4];
        ValueTask<int> pending = ep.WaitAsync(events);
        Assert.False(pending.IsCompleted);
        sources[1].Signal();
        Assert.Equal(1, await pending.AsTask().WaitAsync(Failsafe.Limit));
        Assert.Equal(new EpollEvent(EpollEvents.In, 1), events[0]);

        pending = ep.WaitAsync(events);
        Assert.False(pending.IsCompleted);
        sources[0].Signal();
        Assert.Equal(1, await pending.AsTask().WaitAsync(Failsafe.Limit));
        Assert.Equal(new EpollEvent(EpollEvents.In, 0), events[0]);
    }

    /// <summary>An asynchronous wait pending while a thread leads in the kernel: a level-triggered event of either kind reaches both.</summary>
    [LinuxTheory]
    [InlineData(SourceKind.InProcess)]
    [InlineData(SourceKind.Os)]
    public async Task WaitAsync_BesideAThreadInTheKernel_CompletesOnEitherKind(SourceKind kind)
    {
        Epoll ep = NewEpoll();
        Sources(ep, 1, mixed: false); // the kernel side
        SourceEnd ready = Own(SourceEnd.Factory(kind).EventFd(Table));
        ready.AddTo(ep, EpollEvents.In, 7);
        Eventpoll engine = Outcome.Engine(ep);
        var syncEvents = new EpollEvent[1];
        Task<int> sync = OsWaits.OnThread(() => ep.Wait(syncEvents, -1));
        Assert.True(SpinWait.SpinUntil(() => engine.Kernel!.HasLeader, Failsafe.Limit));
        var asyncEvents = new EpollEvent[1];
        ValueTask<int> pending = ep.WaitAsync(asyncEvents);
        Assert.False(pending.IsCompleted);

        ready.Signal();
        Assert.Equal(1, await pending.AsTask().WaitAsync(Failsafe.Limit));
        Assert.Equal(1, await sync.WaitAsync(Failsafe.Limit));
        Assert.Equal(7ul, asyncEvents[0].Data);
        Assert.Equal(7ul, syncEvents[0].Data);
    }

    [LinuxFact]
    public async Task WaitAsync_IsEndedByDispose_WhileAThreadLeadsInTheKernel()
    {
        var ep = new Epoll(Table);
        Sources(ep, 1, mixed: false);
        Eventpoll engine = Outcome.Engine(ep);
        Task<int> sync = OsWaits.OnThread(() => ep.Wait(new EpollEvent[1], -1));
        Assert.True(SpinWait.SpinUntil(() => engine.Kernel!.HasLeader, Failsafe.Limit));
        ValueTask<int> pending = ep.WaitAsync(new EpollEvent[1]);
        ep.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.AsTask().WaitAsync(Failsafe.Limit));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => sync.WaitAsync(Failsafe.Limit));
    }
}

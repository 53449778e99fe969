using EventPoll.Tests.Rules;
using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// Behaviours of the engine's wait, poll and fdinfo (Eventpoll.Wait.cs) that mutation testing found unpinned: the
/// engine's own maxevents check, a timed-out waiter that was not woken, the count of poll scans that dropped items,
/// and fdinfo's order of items.
/// </summary>
public class WaitMutationTests
{
    private const EpollEvents In = EpollEvents.In;

    private readonly World _w = new();

    private Epoll NewEpoll() => new(_w.Table, _w.Account);

    /// <summary>The handle API and the system-call layer check maxevents first; the engine's wait keeps the rule itself.</summary>
    [Fact]
    public void TheEnginesWait_RefusesAMaxeventsOfZero_WithEinval()
    {
        using Epoll ep = NewEpoll();
        var buffer = new EpollEvent[1];
        var none = default(WaitCancellation);
        Assert.Equal(-(int)Errno.EINVAL, ep.Instance.Wait(buffer, 0, 0, in none));
        Assert.Equal($"maxevents must be between 1 and {Eventpoll.MaxEvents}, got 0", Failure.Take(Errno.EINVAL));
    }

    /// <summary>
    /// Linux's ep_poll: a waiter whose timeout expired while still queued was not woken and returns 0, even if events
    /// are ready by then; they belong to the waiter the wakeup went to. Here that is an asynchronous wait queued first
    /// (the queue wakes in FIFO order), not awaited yet, so it harvests only when awaited.
    /// </summary>
    [Fact]
    public async Task AWaitThatTimesOutUnwoken_ReturnsNothing_TheEventGoesToTheWaiterTheWakeupWoke()
    {
        using Epoll ep = NewEpoll();
        using var e = new EventFd(table: _w.Table);
        ep.Add(e, In, 7);
        var asyncBuffer = new EpollEvent[4];
        ValueTask<int> woken = ep.WaitAsync(asyncBuffer); // not awaited (nor its status read) until the end
        Assert.Equal(1, Internals.WaiterCount(ep.Instance));

        var timedWaiter = new TaskCompletionSource<ThreadWaiter>(TaskCreationOptions.RunContinuationsAsynchronously);
        var buffer = new EpollEvent[4];
        Task<int> timed = Task.Factory.StartNew(() =>
        {
            timedWaiter.SetResult(ThreadWaiter.Current); // the waiter this thread's wait queues
            return ep.Wait(buffer, 1000);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        ThreadWaiter waiter = await Bounded.Within(timedWaiter.Task, "the timed wait starts");
        // Asleep means past its last look for events: the signal below cannot be seen before it times out.
        Bounded.Until(() => waiter.IsSleeping, "the timed wait sleeps behind the asynchronous one");

        e.Signal(); // wakes one waiter: the asynchronous one, queued first
        Assert.Equal(0, await Bounded.Within(timed, "the timed wait times out"));
        Assert.Equal(1, await Bounded.Within(woken.AsTask(), "the woken asynchronous wait harvests when awaited"));
        Assert.Equal(new EpollEvent(In, 7), asyncBuffer[0]);
    }

    /// <summary>The counters the mixed trace backend reads: a poll whose scan dropped items found not ready counts once.</summary>
    [Fact]
    public void PollingAnInstanceWhoseQueuedItemIsNoLongerReady_CountsOneScanThatDropped()
    {
        var (ep, efd, instance, _) = _w.WatchedEventFd(In, 1);
        _w.Write(efd);
        Span<byte> counter = stackalloc byte[8];
        Assert.Equal(8, _w.Px.Read(efd, counter)); // consumed behind the instance's back: queued but not really ready
        Assert.Equal(EpollEvents.None, _w.Px.PollNow(ep, In));
        Assert.Equal(1, instance.PollScansDropping);
        Assert.Equal(0, instance.PollScansStoppedAtReady);
    }

    /// <summary>The other counter: each poll whose scan stopped at a ready item counts once, a poll that drops nothing none.</summary>
    [Fact]
    public void PollingAnInstanceWithAReadyItem_CountsOneScanThatStoppedAtIt_PerPoll()
    {
        var (ep, efd, instance, _) = _w.WatchedEventFd(In, 1);
        _w.Write(efd);
        Assert.Equal(EpollEvents.In, _w.Px.PollNow(ep, In));
        Assert.Equal(EpollEvents.In, _w.Px.PollNow(ep, In));
        Assert.Equal(2, instance.PollScansStoppedAtReady);
        Assert.Equal(0, instance.PollScansDropping);
    }

    /// <summary>
    /// fdinfo lists items in the kernel tree's order: by file (the older first), then by descriptor. One file under ten
    /// descriptors, registered newest first, and a younger file at a number between them.
    /// </summary>
    [Fact]
    public void FdInfo_ListsItemsByFileOldestFirst_ThenByDescriptor()
    {
        using Epoll ep = NewEpoll();
        using var older = new EventFd(table: _w.Table);
        using var younger = new EventFd(table: _w.Table);
        List<DescriptorHandle> dups = [.. Enumerable.Range(0, 9).Select(_ => older.Duplicate())];
        try
        {
            for (int i = dups.Count - 1; i >= 0; i--) ep.Add(dups[i], In);
            ep.Add(younger, In);
            ep.Add(older, In);
            int[] expected = [older.Fd, .. dups.Select(d => d.Fd), younger.Fd];
            Assert.True(younger.Fd < dups[0].Fd); // the younger file's number lies between the older file's
            Assert.Equal(expected, TfdNumbers(ep.GetFdInfo()));
        }
        finally
        {
            foreach (DescriptorHandle dup in dups) dup.Dispose();
        }
    }

    private static int[] TfdNumbers(string fdInfo) =>
        [.. fdInfo.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => int.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture))];
}

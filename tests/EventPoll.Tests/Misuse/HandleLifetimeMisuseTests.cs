using System.Runtime.CompilerServices;
using EventPoll.Tests.Rules;
using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Misuse;

/// <summary>
/// Issue 12, findings 1 and 4: a handle keeps SafeHandle's contract. A disposed handle throws instead of acting on
/// whoever reuses its number, a call in flight keeps the descriptor open until it returns, and a handle dropped
/// without Dispose is closed by its finalizer, releasing its watches.
/// </summary>
public class HandleLifetimeMisuseTests
{
    private readonly World _w = new();

    [Fact]
    public void DisposedEventFd_Signal_ThrowsObjectDisposed_AndLeavesTheReusedNumberAlone()
    {
        var a = new EventFd(table: _w.Table);
        int number = a.Fd;
        a.Dispose();
        using var b = new EventFd(table: _w.Table);
        Assert.Equal(number, b.Fd); // the number is reused at once (lowest free first)

        Assert.Throws<ObjectDisposedException>(() => a.Signal(5));
        Assert.False(b.TryConsume(out _)); // b was not signalled through a's stale number
    }

    [Fact]
    public void DisposedEpoll_Add_ThrowsObjectDisposed_AndRegistersNothingInTheReusedInstance()
    {
        using var target = new EventFd(1, table: _w.Table);
        var a = new Epoll(_w.Table, _w.Account);
        int number = a.Fd;
        a.Dispose();
        using var b = new Epoll(_w.Table, _w.Account);
        Assert.Equal(number, b.Fd);

        Assert.Throws<ObjectDisposedException>(() => a.Add(target, EpollEvents.In));
        Assert.Equal("", b.GetFdInfo());
        Assert.Equal(0, _w.Account.Watches);
    }

    [Fact]
    public void EveryCallOnADisposedHandle_ThrowsObjectDisposed()
    {
        var epoll = new Epoll(_w.Table, _w.Account);
        var eventFd = new EventFd(table: _w.Table);
        var timer = new TimerFd(_w.Table);
        (SocketHandle socket, SocketHandle peer) = UnixSocketPair.Create(_w.Table);
        using var live = new EventFd(table: _w.Table);
        using var spare = new Epoll(_w.Table, _w.Account);
        epoll.Add(live, EpollEvents.In);
        foreach (FileHandle h in (FileHandle[])[epoll, eventFd, timer, socket]) h.Dispose();

        var calls = new (string Name, Action Call)[]
        {
            ("Read", () => eventFd.Read(new byte[8])),
            ("Write", () => eventFd.Write(new byte[8])),
            ("TryRead", () => eventFd.TryRead(new byte[8], out _)),
            ("TryWrite", () => eventFd.TryWrite(new byte[8], out _)),
            ("Poll", () => eventFd.Poll()),
            ("Duplicate", () => eventFd.Duplicate()),
            ("Signal", () => eventFd.Signal()),
            ("TrySignal", () => eventFd.TrySignal()),
            ("Consume", () => eventFd.Consume()),
            ("TryConsume", () => eventFd.TryConsume(out _)),
            ("Add", () => epoll.Add(live, EpollEvents.In)),
            ("Add(fd)", () => epoll.Add(live.Fd, EpollEvents.In)),
            ("Modify", () => epoll.Modify(live, EpollEvents.Out)),
            ("Delete", () => epoll.Delete(live)),
            ("Add of a disposed target", () => spare.Add(eventFd, EpollEvents.In)),
            ("Wait", () => epoll.Wait(new EpollEvent[1], 0)),
            ("Wait(TimeSpan)", () => epoll.Wait(new EpollEvent[1], TimeSpan.Zero)),
            ("WaitAsync", () => epoll.WaitAsync(new EpollEvent[1])),
            ("GetFdInfo", () => epoll.GetFdInfo()),
            ("SetTime", () => timer.SetTime(TimeSpan.FromSeconds(1))),
            ("TimerFd.TryConsume", () => timer.TryConsume(out _)),
            ("Shutdown", () => socket.Shutdown(SocketShutdown.Both)),
        };
        string[] notThrowing = [.. calls.Where(c => !Throws<ObjectDisposedException>(c.Call)).Select(c => c.Name)];
        Assert.Empty(notThrowing);
        Assert.Equal([peer.Fd, live.Fd, spare.Fd], _w.Table.OpenDescriptors()); // the disposed handles' numbers are closed
        Assert.Equal(0, _w.Account.Watches); // the disposed instance's registration went with it
        peer.Dispose();
    }

    [Fact]
    public async Task DisposeDuringACallInFlight_ClosesTheDescriptorOnlyAfterTheCallReturns()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        var file = new FakeFile();
        var handle = new DescriptorHandle(_w.Table, file.Install(_w.Table));
        int number = handle.Fd;
        using var inPoll = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        int polls = 0;
        file.OnPoll = () =>
        {
            if (Interlocked.Increment(ref polls) != 1) return;
            inPoll.Set();
            release.Wait(); // ADD is now in flight on the handle, inside the target's poll
        };
        Task add = Task.Factory.StartNew(() => epoll.Add(handle, EpollEvents.In, 7), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.True(inPoll.Wait(Failsafe.Limit));

        handle.Dispose();
        Assert.True(handle.IsClosed);
        Assert.Contains(number, _w.Table.OpenDescriptors()); // still open: the call holds the handle
        using (var other = new EventFd(table: _w.Table)) Assert.NotEqual(number, other.Fd);

        release.Set();
        await add.WaitAsync(Failsafe.Limit);
        Assert.DoesNotContain(number, _w.Table.OpenDescriptors()); // closed by the call's exit
        Assert.Equal("", epoll.GetFdInfo()); // and the file's last close removed the registration made meanwhile
    }

    [Fact]
    public void DoubleDispose_ClosesOnce_AndNeverTheNumbersNextOwner()
    {
        var a = new EventFd(table: _w.Table);
        a.Dispose();
        using var b = new EventFd(table: _w.Table);
        a.Dispose();
        Assert.True(b.TrySignal(2));
        Assert.Equal(2ul, b.Consume());
    }

    [Fact]
    public void LeakedEventFd_IsClosedByFinalization_ReleasingItsWatchAndItsEvents()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        AddLeakedReadyEventFd(epoll);
        var events = new EpollEvent[4];
        Assert.Equal(1, epoll.Wait(events, 0)); // ready, and level-triggered: reported on every wait
        Assert.Equal(1, _w.Account.Watches);

        CollectAndFinalize();

        Assert.Equal(0, epoll.Wait(events, 0));
        Assert.Equal(0, _w.Account.Watches);
        Assert.Equal([epoll.Fd], _w.Table.OpenDescriptors());
    }

    [Fact]
    public void LeakedHandles_DoNotExhaustTheTable_OnceCollected()
    {
        var table = new DescriptorTable(limit: 64);
        FillWithLeakedHandles(table);
        Assert.Equal(64, table.Count);
        Assert.Equal(Errno.EMFILE, Assert.Throws<EpollException>(() => new EventFd(table: table)).Errno);

        CollectAndFinalize();

        Assert.Equal(0, table.Count);
        var kept = new List<EventFd>();
        for (int i = 0; i < 64; i++) kept.Add(new EventFd(table: table));
        foreach (EventFd h in kept) h.Dispose();
    }

    [Fact]
    public void FourThreadsDisposing_WhileFourCreate_LeaveEveryKeptHandleItsOwnFile()
    {
        const int PerThread = 2_000;
        var table = new DescriptorTable();
        var kept = new EventFd[4][];
        var threads = new List<Thread>();
        for (int t = 0; t < 4; t++)
        {
            int id = t;
            kept[id] = new EventFd[PerThread / 4];
            threads.Add(new Thread(() =>
            {
                for (int i = 0; i < PerThread; i++) new EventFd(table: table).Dispose();
            }));
            threads.Add(new Thread(() =>
            {
                for (int i = 0; i < kept[id].Length; i++)
                {
                    kept[id][i] = new EventFd(table: table);
                    kept[id][i].Signal((ulong)(id * 100_000 + i + 1));
                }
            }));
        }
        foreach (Thread thread in threads) thread.Start();
        foreach (Thread thread in threads) Assert.True(thread.Join(Failsafe.Limit));

        Assert.Equal(4 * (PerThread / 4), table.Count);
        for (int t = 0; t < 4; t++)
        {
            for (int i = 0; i < kept[t].Length; i++)
            {
                Assert.Equal((ulong)(t * 100_000 + i + 1), kept[t][i].Consume());
                kept[t][i].Dispose();
            }
        }
        Assert.Equal(0, table.Count);
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // so no local of the caller keeps the handle reachable
    private void AddLeakedReadyEventFd(Epoll epoll) => epoll.Add(new EventFd(1, table: _w.Table), EpollEvents.In, 1);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FillWithLeakedHandles(DescriptorTable table)
    {
        for (int i = 0; i < table.Limit; i++) _ = new EventFd(table: table);
    }

    private static void CollectAndFinalize()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static bool Throws<T>(Action call) where T : Exception
    {
        try
        {
            call();
            return false;
        }
        catch (T)
        {
            return true;
        }
    }
}

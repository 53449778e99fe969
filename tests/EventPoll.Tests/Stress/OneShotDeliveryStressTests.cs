using EventPoll.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace EventPoll.Tests.Stress;

/// <summary>
/// The eponeshotmt shape under noise: ten eventfds registered IN|ET|ONESHOT, four waiters that block without a
/// timeout, take one or more events, read the eventfd and re-arm it with MOD, three writers that write 1 to
/// random eventfds, and one thread that keeps adding, modifying, deleting, duplicating and closing other
/// eventfds in the same instance (edge, level and oneshot registrations that come and go).
/// </summary>
/// <remarks>
/// <para>At most one waiter per arming: each arming has a unique token, and a waiter that gets an eventfd must
/// find it unowned (it owns it from delivery until just before its MOD); a second owner, or a token delivered
/// twice, fails.</para>
/// <para>No lost wakeup: after the writers stop, the blocked waiters must drain every eventfd (the sum read
/// equals the sum written) within a generous bound. A lost wakeup leaves a readable eventfd armed while every
/// waiter sleeps, and the bound runs out.</para>
/// </remarks>
[Collection(StressCollection.Name)]
public sealed class OneShotDeliveryStressTests(ITestOutputHelper output)
{
    private const int Files = 10, Waiters = 4, Writers = 3, NoiseSlots = 8;

    [Fact]
    public void OneShotArmings_AreDeliveredOnce_AndNoWakeupIsLost()
    {
        long liveBefore = EngineAccess.QuiescedLiveInstances();
        var account = new WatchAccount(100_000);
        var table = new DescriptorTable();
        var px = new Posix(table, account);
        var run = new StressRun();
        var oneShots = new DeliveryLog();
        int ep = px.EpollCreate1(0);
        var fds = new int[Files];
        var owner = new int[Files];
        var written = new long[Files];
        var consumed = new long[Files];
        long deliveries = 0;
        for (int i = 0; i < Files; i++)
        {
            fds[i] = px.EventFd(0, Posix.O_NONBLOCK);
            Assert.Equal(0, px.EpollCtl(ep, Posix.EPOLL_CTL_ADD, fds[i], Arm(i)));
        }

        using var stopWaiters = new CancellationTokenSource();
        for (int w = 0; w < Waiters; w++)
        {
            int me = w + 1;
            run.Start($"oneshot waiter {w}", rng =>
            {
                var events = new EpollEvent[4];
                Span<byte> value = stackalloc byte[8];
                while (true)
                {
                    int n = px.EpollWait(ep, events, rng.Next(1, events.Length + 1), -1, stopWaiters.Token);
                    if (n < 0)
                    {
                        if (Posix.Errno != Errno.EINTR || !stopWaiters.IsCancellationRequested) run.Fail($"epoll_wait failed with {Posix.Errno}");
                        return;
                    }
                    StressChecks.CheckHarvest(run, events.AsSpan(0, n), oneShots, "oneshot waiter");
                    foreach (EpollEvent e in events.AsSpan(0, n))
                    {
                        if (!Token.IsOneShot(e.Data) || Token.Payload(e.Data) == 0) continue; // noise
                        int i = Token.Payload(e.Data) - 1;
                        Interlocked.Increment(ref deliveries);
                        if (Interlocked.CompareExchange(ref owner[i], me, 0) != 0)
                        {
                            run.Fail($"eventfd {i} delivered to waiter {me} while waiter {owner[i]} still owns its arming");
                            continue;
                        }
                        if (px.Read(fds[i], value) == 8) Interlocked.Add(ref consumed[i], (long)BitConverter.ToUInt64(value));
                        else if (Posix.Errno != Errno.EAGAIN) run.Fail($"read failed with {Posix.Errno}");
                        Volatile.Write(ref owner[i], 0);
                        if (px.EpollCtl(ep, Posix.EPOLL_CTL_MOD, fds[i], Arm(i)) != 0) run.Fail($"re-arm failed with {Posix.Errno}");
                    }
                }
            });
        }

        var writers = new StressRun();
        byte[] one = BitConverter.GetBytes(1UL);
        for (int w = 0; w < Writers; w++)
        {
            writers.Start($"oneshot writer {w}", rng =>
            {
                while (!writers.Stopping)
                {
                    int i = rng.Next(Files);
                    Interlocked.Increment(ref written[i]); // counted first: a reader may see the value before the write returns
                    if (px.Write(fds[i], one) != 8) run.Fail($"write failed with {Posix.Errno}");
                }
            });
        }
        writers.Start("oneshot noise", rng => Noise(rng, px, ep, fds, writers));

        writers.RunFor(StressSettings.Duration);
        writers.AssertClean();

        // Drain: the waiters are blocked without a timeout; only correct wakeups can bring consumed up to written.
        bool drained = SpinWait.SpinUntil(() => run.HasFailures || AllConsumed(written, consumed), StressSettings.Generous);
        stopWaiters.Cancel();
        run.JoinAll();
        run.AssertClean();
        Assert.True(drained, $"lost wakeup: written {string.Join(",", written)} but consumed {string.Join(",", consumed)} (seed {StressSettings.Seed})");
        output.WriteLine($"seed {StressSettings.Seed}: {written.Sum()} writes, {Interlocked.Read(ref deliveries)} oneshot deliveries");
        Assert.True(written.Sum() > 1000, "too few writes to mean anything");

        StressChecks.CloseAll(table);
        Assert.Equal(0, account.Watches);
        Assert.Equal(liveBefore, Eventpoll.LiveInstances);
    }

    private static EpollEvent Arm(int file)
        => new(EpollEvents.In | EpollEvents.EdgeTriggered | EpollEvents.OneShot, Token.Next(oneShot: true, payload: file + 1));

    private static bool AllConsumed(long[] written, long[] consumed)
    {
        for (int i = 0; i < written.Length; i++)
        {
            if (Volatile.Read(ref consumed[i]) != Volatile.Read(ref written[i])) return false;
        }
        return true;
    }

    /// <summary>Registrations that come and go in the same instance: other eventfds, and duplicates of the watched ones.</summary>
    private static void Noise(Random rng, Posix px, int ep, int[] watched, StressRun run)
    {
        var slots = new int[NoiseSlots];
        var isDuplicate = new bool[NoiseSlots]; // a duplicate of a watched eventfd is never read or written here
        for (int i = 0; i < NoiseSlots; i++) slots[i] = px.EventFd(0, Posix.O_NONBLOCK);
        byte[] one = BitConverter.GetBytes(1UL);
        Span<byte> value = stackalloc byte[8];
        while (!run.Stopping)
        {
            int s = rng.Next(NoiseSlots);
            EpollEvents events = EpollEvents.In | (rng.Next(3) switch { 0 => 0, 1 => EpollEvents.EdgeTriggered, _ => EpollEvents.OneShot });
            var ev = new EpollEvent(events, Token.Next((events & EpollEvents.OneShot) != 0)); // payload 0: ignored by the waiters
            int ret;
            switch (rng.Next(7))
            {
                case 0: ret = px.EpollCtl(ep, Posix.EPOLL_CTL_ADD, slots[s], ev); break;
                case 1: ret = px.EpollCtl(ep, Posix.EPOLL_CTL_MOD, slots[s], ev); break;
                case 2: ret = px.EpollCtl(ep, Posix.EPOLL_CTL_DEL, slots[s], null); break;
                case 3: ret = isDuplicate[s] || px.Write(slots[s], one) == 8 ? 0 : -1; break;
                case 4: ret = isDuplicate[s] || px.Read(slots[s], value) == 8 ? 0 : -1; break;
                case 5:
                    // A duplicate of a watched eventfd (its items stay noise: payload 0), or a fresh eventfd.
                    bool duplicate = rng.Next(2) == 0;
                    int fresh = duplicate ? px.Dup(watched[rng.Next(watched.Length)]) : px.EventFd(0, Posix.O_NONBLOCK);
                    ret = px.Close(slots[s]);
                    slots[s] = fresh;
                    isDuplicate[s] = duplicate;
                    break;
                default: ret = px.EpollCtl(ep, Posix.EPOLL_CTL_ADD, slots[s], new EpollEvent(EpollEvents.In | EpollEvents.Exclusive, Token.Next(oneShot: false))); break;
            }
            if (ret < 0 && Posix.Errno is not (Errno.EEXIST or Errno.ENOENT or Errno.EAGAIN or Errno.EINVAL))
            {
                run.Fail($"noise operation failed with {Posix.Errno}");
            }
        }
        foreach (int fd in slots) Assert.Equal(0, px.Close(fd));
    }
}

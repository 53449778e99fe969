using EventPoll.Tests.Support;
using System.Collections.Concurrent;
using System.Diagnostics;
using Xunit;

namespace EventPoll.Tests.Ported;

/// <summary>
/// The race cases (epoll59, 60, 61, 65), with iteration counts scaled down for CI; each keeps the C test's
/// assertion (every wait gets its event / every waiter wakes / every thread returns).
/// </summary>
/// <remarks>
/// The wall-clock bounds are the C test's own and stay: epoll59's epoll_wait(…, 1000) must return the event, and
/// epoll60's waiters treat an epoll_pwait(…, 2000) that returns nothing as a lost wakeup; epoll61's 11 ms timeout and
/// 10.95 ms write are the race itself. Every other wait here is bounded by <see cref="Bounded.Limit"/>.
/// </remarks>
public partial class SelftestWakeupTests
{
    private const int Epoll59Iterations = 20_000; // C: 100000
    private const int Epoll60Rounds = 300;        // C: 300 (not scaled)
    private const int Epoll61Rounds = 100;        // C: 1000
    private const int Epoll65Threads = 64;        // C: 64
    private const int Epoll65Iterations = 5_000;  // C: 100000 per thread

    /// <summary>
    /// eventfd(1) (always readable) IN|ERR|ET. After t0 consumes the edge, a second thread re-arms it with
    /// EPOLL_CTL_MOD; every epoll_wait(1000 ms) of t0 must return the event (bugzilla 205933: MOD racing with
    /// the harvest must not lose the re-queue).
    /// </summary>
    [Fact]
    public void Selftest_epoll59()
    {
        Epoll efd = NewEpoll();
        SourceEnd sfd = NewEventFd(1);
        const EpollEvents Mask = EpollEvents.In | EpollEvents.Err | EpollEvents.EdgeTriggered;
        sfd.AddTo(efd, Mask);

        int count = 0;   // ctx->count: 1 = "consumed, please MOD", 0 = "MOD done"
        int stop = 0;    // ends the modifier if t0 fails (the C test's pthread_kill)
        Exception? modifierError = null;
        var modifier = new Thread(() =>
        {
            try
            {
                for (int i = 0; i < Epoll59Iterations; i++)
                {
                    var spin = new SpinWait();
                    while (Volatile.Read(ref count) == 0)
                    {
                        if (Volatile.Read(ref stop) != 0) return;
                        spin.SpinOnce();
                    }
                    sfd.ModifyIn(efd, Mask);
                    Volatile.Write(ref count, 0);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                modifierError = e;
            }
        }) { IsBackground = true, Name = "epoll59 modifier" };
        modifier.Start();

        var ev = new EpollEvent[1];
        try
        {
            for (int i = 0; i < Epoll59Iterations; i++)
            {
                int ret = efd.Wait(ev, 1000);
                Assert.True(ret > 0, $"iteration {i}: epoll_wait returned {ret} (lost wakeup)");
                Bounded.Until(() => Volatile.Read(ref count) == 0 || modifierError is not null, $"iteration {i}: the modifier finished its MOD");
                Assert.Null(modifierError);
                Volatile.Write(ref count, 1);
            }
        }
        finally
        {
            Volatile.Write(ref stop, 1);
            Bounded.Join(modifier, "the modifier did not finish");
        }
        Assert.Null(modifierError);
    }

    /// <summary>
    /// Ten eventfds (IN|ET, data = fd) in one instance and ten threads in epoll_pwait(maxevents 1, 2000 ms).
    /// Each round all ten sleep, then all ten eventfds are written at once: every waiter must wake with one
    /// event and read its eventfd (Penyaev 2020: lost wakeups when several producers race).
    /// </summary>
    [Fact]
    public void Selftest_epoll60()
    {
        const int N = 10;
        Epoll ep = NewEpoll();
        int epfd = ep.Fd;
        var evfd = new SourceEnd[N];
        for (int i = 0; i < N; i++)
        {
            evfd[i] = NewEventFd();
            evfd[i].AddTo(ep, EpollEvents.In | EpollEvents.EdgeTriggered, (ulong)i); // data: the index (C: the fd)
        }

        int stopped = 0, ready = 0, waiters = 0;
        var errors = new ConcurrentQueue<string>();
        using var signal = new CancellationTokenSource();
        var threads = new Thread[N];
        for (int t = 0; t < N; t++)
        {
            threads[t] = new Thread(() =>
            {
                var e = new EpollEvent[1];
                while (Volatile.Read(ref stopped) == 0)
                {
                    Interlocked.Increment(ref ready);                        // mark we are ready
                    var spin = new SpinWait();
                    while (Volatile.Read(ref ready) != 0 && Volatile.Read(ref stopped) == 0) spin.SpinOnce(); // start together
                    Interlocked.Increment(ref waiters);                      // account this waiter
                    int ret = _px.EpollWait(epfd, e, 1, 2000, signal.Token);
                    if (ret != 1)
                    {
                        // Only the stop "signal" may end a wait without an event.
                        if (!(ret < 0 && Posix.Errno == Errno.EINTR && Volatile.Read(ref stopped) != 0))
                        {
                            errors.Enqueue($"Lost wakeup! epoll_pwait returned {ret} ({Posix.Errno})");
                        }
                        break;
                    }
                    if (!evfd[e[0].Data].TryConsume(out _)) errors.Enqueue($"eventfd {e[0].Data} was reported but empty"); // ET: each thread got its own
                    Interlocked.Decrement(ref waiters);
                }
            }) { IsBackground = true, Name = $"epoll60 waiter {t}" };
            threads[t].Start();
        }

        try
        {
            for (int round = 0; round < Epoll60Rounds; round++)
            {
                Bounded.Until(() => Volatile.Read(ref ready) == N || !errors.IsEmpty, "all waiters are ready");
                Assert.Empty(errors);
                Interlocked.Add(ref ready, -N);                                // steady, go
                Bounded.Until(() => Volatile.Read(ref waiters) == N, "all waiters went to wait");
                // Instead of usleep(1000) ("should be enough to schedule away"): all ten are asleep in the engine.
                Bounded.Until(() => BlockedWaiters(Table, epfd) == N || !errors.IsEmpty, "all waiters sleep");
                Assert.Empty(errors);
                for (int n = 0; n < N; n++) evfd[n].Signal(); // all at once

                // C: busy loop up to 1 s. A lost wakeup is caught by the waiter's own 2000 ms timeout (it then
                // reports and leaves, so "waiters" never returns to 0); the bound here is generous for CI load.
                Bounded.Until(() => Volatile.Read(ref waiters) == 0 || !errors.IsEmpty, $"round {round}: all waiters woke");
                Assert.Empty(errors);
                Assert.Equal(0, Volatile.Read(ref waiters));
            }
        }
        finally
        {
            Volatile.Write(ref stopped, 1);
            signal.Cancel();                                                   // stop waiters (SIGUSR1)
            foreach (Thread t in threads) Bounded.Join(t, $"{t.Name} did not stop");
        }
        Assert.Empty(errors);
    }

    /// <summary>
    /// eventfd IN|ET|ERR|HUP. Per round three threads: a writer at 10.95 ms, an epoll_wait with an 11 ms
    /// timeout that re-writes the eventfd if it got the event, and a blocking epoll_wait(-1). Whichever
    /// waiter the first write wakes, the blocking one must eventually return: all three threads join
    /// (Soheil Hassas Yeganeh 2020: a wakeup racing with a timeout must not be lost).
    /// </summary>
    [Fact]
    public void Selftest_epoll61()
    {
        Epoll epfd = NewEpoll();
        SourceEnd evfd = NewEventFd();
        evfd.AddTo(epfd, EpollEvents.In | EpollEvents.EdgeTriggered | EpollEvents.Err | EpollEvents.Hup);

        // The 10.95 ms is the race being tested (the write lands just before the 11 ms timeout expires), not
        // synchronisation; a sleep cannot hit it precisely, so the writer waits on a monotonic clock.
        TimeSpan writeAt = TimeSpan.FromTicks(109_500);
        using var cleanup = new CancellationTokenSource(); // only used to release threads after a failure
        var errors = new ConcurrentQueue<Exception>();
        void Run(Action body)
        {
            try
            {
                body();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                errors.Enqueue(e);
            }
        }

        try
        {
            for (int round = 0; round < Epoll61Rounds; round++)
            {
                var threads = new[]
                {
                    new Thread(() => Run(() =>
                    {
                        var clock = Stopwatch.StartNew();
                        var spin = new SpinWait();
                        while (clock.Elapsed < writeAt) spin.SpinOnce(sleep1Threshold: -1);
                        evfd.Signal();
                    })) { IsBackground = true, Name = "epoll61 writer" },
                    new Thread(() => Run(() =>
                    {
                        var events = new EpollEvent[1];
                        if (epfd.Wait(events, 11) == 1) evfd.Signal(); // got it: wake the blocking poller
                    })) { IsBackground = true, Name = "epoll61 timed waiter" },
                    new Thread(() => Run(() =>
                    {
                        var events = new EpollEvent[1];
                        epfd.Wait(events, -1, cleanup.Token);
                    })) { IsBackground = true, Name = "epoll61 blocking waiter" },
                };
                foreach (Thread t in threads) t.Start();
                foreach (Thread t in threads) Bounded.Join(t, $"round {round}: {t.Name} never returned (lost wakeup)");
                Assert.Empty(errors);
            }
        }
        finally
        {
            cleanup.Cancel();
        }
    }

    /// <summary>
    /// (pending upstream) A level-triggered eventfd written once and never read; 64 threads call
    /// epoll_wait(…, 0) concurrently and every call must return 1 (Nam Cao 2025: the lockless "events
    /// available" pre-check must not see an empty list while another thread is mid-harvest).
    /// </summary>
    [Fact]
    public void Selftest_epoll65()
    {
        Epoll efd = NewEpoll();
        SourceEnd evfd = NewEventFd();
        evfd.AddTo(efd, EpollEvents.In);
        evfd.Signal(99);

        var results = new string?[Epoll65Threads];
        using var go = new ManualResetEventSlim(false); // start together, for the most overlap
        var threads = new Thread[Epoll65Threads];
        for (int t = 0; t < Epoll65Threads; t++)
        {
            int id = t;
            threads[t] = new Thread(() =>
            {
                var ev = new EpollEvent[1];
                go.Wait();
                for (int i = 0; i < Epoll65Iterations; i++)
                {
                    int ret = efd.Wait(ev, 0);
                    if (ret != 1)
                    {
                        results[id] = $"iteration {i}: epoll_wait(0) returned {ret} (ENODATA)";
                        return;
                    }
                }
            }) { IsBackground = true, Name = $"epoll65 {t}" };
            threads[t].Start();
        }
        go.Set();
        foreach (Thread t in threads) Bounded.Join(t, $"{t.Name} did not finish");
        Assert.All(results, Assert.Null);
    }
}

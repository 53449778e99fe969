using EventPoll.Tests.Support;
using System.Diagnostics;
using Xunit;
using static EventPoll.Tests.Ported.PortedSupport;

namespace EventPoll.Tests.Ported;

/// <summary>
/// Ports of LTP testcases/kernel/syscalls/epoll_wait/epoll_wait*.c. Child processes become threads; LTP's
/// "wait until the child sleeps" (TST_PROCESS_STATE_WAIT 'S') becomes "wait until the waiter is queued". The cases
/// that watch pipes or sockets run with both kinds of source: table descriptors (<see cref="LtpEpollWaitTests"/>) and
/// OS descriptors (<see cref="Os.LtpEpollWaitOsTests"/>).
/// </summary>
public abstract class LtpEpollWaitCases : LtpTestBase
{
    private protected void Add(int epfd, int fd, EpollEvents events, ulong data)
        => Assert.True(Ctl(epfd, Posix.EPOLL_CTL_ADD, fd, new EpollEvent(events, data)) == 0, $"epoll_ctl failed: {LastErrno}");

    private protected int WaitOk(int epfd, EpollEvent[] events, int maxevents, int timeout)
    {
        int n = Px.EpollWait(epfd, events, maxevents, timeout);
        Assert.True(n >= 0, $"epoll_wait failed: {Posix.Errno}");
        return n;
    }


    // ---- epoll_wait01 ---------------------------------------------------------------------------------------

    /// <summary>Pipe, its capacity measured as LTP does (4 KiB writes until poll says not writable), rfd IN and wfd OUT registered.</summary>
    private (int Epfd, int[] Fds, int WriteSize) SetupWait01()
    {
        int[] fds = NewPipe();
        var buf = new byte[4096];
        buf.AsSpan().Fill((byte)'a');
        int writeSize = 0;
        do
        {
            long n = Write(fds[1], buf);
            Assert.True(n > 0);
            writeSize += (int)n;
        }
        while ((PollNow(fds[1], EpollEvents.Out) & EpollEvents.Out) != 0);
        Assert.Equal(writeSize, Read(fds[0], new byte[writeSize]));

        int epfd = Px.EpollCreate(3);
        Add(epfd, fds[0], EpollEvents.In, (ulong)fds[0]);
        Add(epfd, fds[1], EpollEvents.Out, (ulong)fds[1]);
        return (epfd, fds, writeSize);
    }

    [Fact]
    public void Ltp_epoll_wait01_epollout()
    {
        (int epfd, int[] fds, _) = SetupWait01();
        var ev = new EpollEvent[1];
        Assert.Equal(1, Bounded.Call(() => Px.EpollWait(epfd, ev, 1, -1), "epoll_wait(-1) did not return the ready pipe end"));
        Assert.Equal((ulong)fds[1], ev[0].Data);
        Assert.Equal(EpollEvents.Out, ev[0].Events);
    }

    [Fact]
    public void Ltp_epoll_wait01_epollin()
    {
        (int epfd, int[] fds, int writeSize) = SetupWait01();
        var data = new byte[writeSize];
        data.AsSpan().Fill((byte)'a');
        Assert.Equal(writeSize, Write(fds[1], data)); // fills the pipe: the write end is no longer writable
        var ev = new EpollEvent[1];
        Assert.Equal(1, Bounded.Call(() => Px.EpollWait(epfd, ev, 1, -1), "epoll_wait(-1) did not return the ready pipe end"));
        Assert.Equal((ulong)fds[0], ev[0].Data);
        Assert.Equal(EpollEvents.In, ev[0].Events);
        Assert.Equal(writeSize, Read(fds[0], new byte[writeSize]));
    }

    [Fact]
    public void Ltp_epoll_wait01_epollio()
    {
        (int epfd, int[] fds, _) = SetupWait01();
        PortedSupport.ExpectPipeEvents(Px, epfd, fds, expectOut: true, (fd, data) => Write(fd, data), (fd, buffer) => Read(fd, buffer));
    }

    // ---- epoll_wait02 / epoll_wait04 -----------------------------------------------------------------------

    /// <summary>LTP samples the timeout many times with upper and lower bounds; the lower bound is kept (an upper one is not robust on a loaded machine).</summary>
    [Theory]
    [InlineData(20)]
    [InlineData(35)]
    [InlineData(50)]
    public void Ltp_epoll_wait02_timeout(int timeoutMs)
    {
        int[] fds = NewPipe();
        int epfd = Px.EpollCreate(1);
        Add(epfd, fds[0], EpollEvents.In, (ulong)fds[0]);
        var ev = new EpollEvent[1];
        var clock = Stopwatch.StartNew();
        int n = Bounded.Call(() => Px.EpollWait(epfd, ev, 1, timeoutMs), $"the {timeoutMs} ms timeout never expired");
        clock.Stop();
        Assert.Equal(0, n);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(timeoutMs), $"returned after {clock.Elapsed.TotalMilliseconds} ms");
    }

    /// <summary>LTP bounds the call at 1000 µs; here the property is that it returns 0 without blocking (bound: 1 s).</summary>
    [Fact]
    public void Ltp_epoll_wait04_timeout_zero()
    {
        int[] fds = NewPipe();
        int epfd = Px.EpollCreate(1);
        Add(epfd, fds[0], EpollEvents.In, (ulong)fds[0]);
        var ev = new EpollEvent[1];
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, Px.EpollWait(epfd, ev, 1, 0));
        clock.Stop();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed.TotalMilliseconds} ms");
    }

    // ---- epoll_wait03 ---------------------------------------------------------------------------------------

    public enum Wait03Case
    {
        EBADF_epfd,
        EINVAL_not_epoll,
        EINVAL_maxevents_negative,
        EINVAL_maxevents_zero,
        EFAULT_events_not_writable,
    }

    /// <summary>
    /// The EFAULT case uses a PROT_READ page in LTP (with a ready EPOLLOUT item); here an events buffer that
    /// cannot hold maxevents entries is the inaccessible buffer.
    /// </summary>
    [Theory]
    [InlineData(Wait03Case.EBADF_epfd, Errno.EBADF)]
    [InlineData(Wait03Case.EINVAL_not_epoll, Errno.EINVAL)]
    [InlineData(Wait03Case.EINVAL_maxevents_negative, Errno.EINVAL)]
    [InlineData(Wait03Case.EINVAL_maxevents_zero, Errno.EINVAL)]
    [InlineData(Wait03Case.EFAULT_events_not_writable, Errno.EFAULT)]
    public void Ltp_epoll_wait03(Wait03Case testCase, Errno expected)
    {
        int[] fds = NewPipe();
        int epfd = Px.EpollCreate(1);
        Add(epfd, fds[1], EpollEvents.Out, (ulong)fds[1]); // ready, so no case blocks
        var rw = new EpollEvent[1];
        int result = testCase switch
        {
            Wait03Case.EBADF_epfd => Px.EpollWait(-1, rw, 1, -1),
            Wait03Case.EINVAL_not_epoll => Px.EpollWait(OsSources ? Px.EventFd(0, 0) : fds[0], rw, 1, -1), // a table descriptor that is no epoll
            Wait03Case.EINVAL_maxevents_negative => Px.EpollWait(epfd, rw, -1, -1),
            Wait03Case.EINVAL_maxevents_zero => Px.EpollWait(epfd, rw, 0, -1),
            Wait03Case.EFAULT_events_not_writable => Px.EpollWait(epfd, Span<EpollEvent>.Empty, 1, -1),
            _ => throw new ArgumentOutOfRangeException(nameof(testCase)),
        };
        Assert.Equal(-1, result);
        Assert.Equal(expected, Posix.Errno);
    }

    // ---- epoll_wait05 ---------------------------------------------------------------------------------------

    /// <summary>LTP uses a TCP client; the rule (SHUT_RD on the watched socket raises EPOLLRDHUP) holds for AF_UNIX stream sockets too.</summary>
    [Fact]
    public void Ltp_epoll_wait05_rdhup_after_shutdown_rd()
    {
        int[] sv = NewSocketPair();
        int epfd = NewEpoll();
        Add(epfd, sv[0], EpollEvents.RdHup, 0);
        Assert.Equal(0, Shutdown(sv[0], 0)); // SHUT_RD
        var ev = new EpollEvent[1];
        Assert.Equal(1, WaitOk(epfd, ev, 1, 2000));
        Assert.True((ev[0].Events & EpollEvents.RdHup) != 0, $"events {ev[0].Events}");
    }

    // ---- epoll_wait06 ---------------------------------------------------------------------------------------

    /// <summary>
    /// LTP shrinks the pipe to one page and reads half of it, which frees no buffer slot. Pipes here keep their
    /// 16 pages, so the same rule is checked with half of the first page: a read that frees no slot makes no
    /// EPOLLOUT edge; draining the pipe does.
    /// </summary>
    [Fact]
    public void Ltp_epoll_wait06_edge_triggered_in_out()
    {
        int[] fds = NewPipe();
        int epfd = NewEpoll();
        Add(epfd, fds[0], EpollEvents.In | EpollEvents.EdgeTriggered, (ulong)fds[0]);
        Add(epfd, fds[1], EpollEvents.Out | EpollEvents.EdgeTriggered, (ulong)fds[1]);

        var buff = new byte[64 * 1024];
        buff.AsSpan().Fill((byte)'a');
        long written = 0;
        while (true)
        {
            long n = Write(fds[1], buff);
            if (n < 0) break;
            written += n;
        }
        Assert.Equal(Errno.EAGAIN, LastErrno);

        var ev = new EpollEvent[1];
        Assert.Equal(1, WaitOk(epfd, ev, 1, 0));
        Assert.Equal((ulong)fds[0], ev[0].Data);
        Assert.Equal(EpollEvents.In, ev[0].Events & EpollEvents.In);

        const int half = 4096 / 2;
        Assert.Equal(half, Read(fds[0], new byte[half]));
        Assert.Equal(0, WaitOk(epfd, ev, 1, 0));

        long rest = written - half;
        var sink = new byte[rest];
        Assert.Equal(rest, Read(fds[0], sink));
        Assert.Equal(-1, Read(fds[0], new byte[half]));
        Assert.Equal(Errno.EAGAIN, LastErrno);

        Assert.Equal(1, WaitOk(epfd, ev, 1, 0));
        Assert.Equal((ulong)fds[1], ev[0].Data);
        Assert.Equal(EpollEvents.Out, ev[0].Events & EpollEvents.Out);
    }

    // ---- epoll_wait07 ---------------------------------------------------------------------------------------

    [Fact]
    public void Ltp_epoll_wait07_oneshot()
    {
        int[] fds = NewPipe();
        int epfd = NewEpoll();
        Add(epfd, fds[0], EpollEvents.In | EpollEvents.OneShot, (ulong)fds[0]);
        var ev = new EpollEvent[10];
        var b = new byte[1] { (byte)'a' };
        Assert.Equal(1, Write(fds[1], b));
        Assert.Equal(1, WaitOk(epfd, ev, 10, 0));
        Assert.Equal(EpollEvents.In, ev[0].Events & EpollEvents.In);
        Assert.Equal((ulong)fds[0], ev[0].Data);
        Assert.Equal(1, Read(fds[0], b));
        Assert.Equal(0, WaitOk(epfd, ev, 10, 0));
        Assert.Equal(1, Write(fds[1], b));
        Assert.Equal(0, WaitOk(epfd, ev, 10, 0));
    }

    // ---- epoll_wait08 ---------------------------------------------------------------------------------------

    // ---- epoll_wait09 ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Ltp_epoll_wait09_nested(int depth)
    {
        int[] fds = NewPipe();
        var epfds = new int[depth];
        int prev = fds[0];
        for (int i = 0; i < depth; i++)
        {
            epfds[i] = NewEpoll();
            Add(epfds[i], prev, EpollEvents.In, (ulong)prev);
            prev = epfds[i];
        }
        Assert.Equal(1, Write(fds[1], "x"u8));
        var ev = new EpollEvent[1];
        for (int i = depth - 1; i >= 0; i--) // outermost first
        {
            int expectedFd = i > 0 ? epfds[i - 1] : fds[0];
            Assert.Equal(1, WaitOk(epfds[i], ev, 1, 1000));
            Assert.Equal((ulong)expectedFd, ev[0].Data);
            Assert.True((ev[0].Events & EpollEvents.In) != 0, $"depth {depth - i}/{depth}: events {ev[0].Events}");
        }
        Assert.Equal(1, Read(fds[0], new byte[1]));
    }

    // ---- epoll_wait11 / epoll_wait12 -------------------------------------------------------------------------

    [Fact]
    public async Task Ltp_epoll_wait11_hup_while_blocked()
    {
        int[] fds = NewPipe();
        int efd = NewEpoll();
        Add(efd, fds[0], EpollEvents.In, (ulong)fds[0]);
        var ev = new EpollEvent[1];
        Task<int> child = RunThread(() => Px.EpollWait(efd, ev, 1, 5000));
        await WaitUntilBlocked(EngineOf(Table, efd), 1, child);
        Assert.Equal(0, Close(fds[1]));
        Assert.Equal(1, await child.WaitAsync(Generous));
        Assert.Equal((ulong)fds[0], ev[0].Data);
        Assert.True((ev[0].Events & EpollEvents.Hup) != 0, $"events {ev[0].Events}");
    }

    [Fact]
    public async Task Ltp_epoll_wait12_err_while_blocked()
    {
        int[] fds = NewPipe();
        var buf = new byte[4096];
        do
        {
            Assert.True(Write(fds[1], buf) > 0);
        }
        while ((PollNow(fds[1], EpollEvents.Out) & EpollEvents.Out) != 0);

        int efd = NewEpoll();
        Add(efd, fds[1], EpollEvents.Out, (ulong)fds[1]);
        var ev = new EpollEvent[1];
        Task<int> child = RunThread(() => Px.EpollWait(efd, ev, 1, 5000));
        await WaitUntilBlocked(EngineOf(Table, efd), 1, child);
        Assert.Equal(0, Close(fds[0]));
        Assert.Equal(1, await child.WaitAsync(Generous));
        Assert.Equal((ulong)fds[1], ev[0].Data);
        Assert.True((ev[0].Events & EpollEvents.Err) != 0, $"events {ev[0].Events}");
    }

    // ---- epoll_wait13 / epoll_wait14 -------------------------------------------------------------------------

    private const int NReady = 13;
    private const int NQuiet = 5;
    private const int MaxEvents = 3;

    [Fact]
    public void Ltp_epoll_wait13_maxevents_caps_and_skips_quiet()
    {
        int epfd = NewEpoll();
        var ready = new int[NReady][];
        for (int i = 0; i < NReady; i++)
        {
            ready[i] = NewPipe();
            Add(epfd, ready[i][0], EpollEvents.In, (ulong)i);
        }
        for (int i = 0; i < NQuiet; i++) Add(epfd, NewPipe()[0], EpollEvents.In, (ulong)(NReady + i));
        for (int i = 0; i < NReady; i++) Assert.Equal(1, Write(ready[i][1], "x"u8));

        var seen = new bool[NReady];
        int total = 0;
        var events = new EpollEvent[MaxEvents];
        var c = new byte[1];
        while (total < NReady)
        {
            int ret = WaitOk(epfd, events, MaxEvents, 0);
            Assert.Equal(Math.Min(NReady - total, MaxEvents), ret);
            for (int i = 0; i < ret; i++)
            {
                ulong idx = events[i].Data;
                Assert.True(idx < NReady, $"reported quiet fd (tag {idx})");
                Assert.False(seen[idx], $"reported ready fd {idx} twice");
                seen[idx] = true;
                total++;
                Assert.Equal(1, Read(ready[idx][0], c));
            }
        }
    }

    [Fact]
    public void Ltp_epoll_wait14_round_robin_fairness()
    {
        const int rounds = 4;
        int epfd = NewEpoll();
        for (int i = 0; i < NReady; i++)
        {
            int[] p = NewPipe();
            Assert.Equal(1, Write(p[1], "x"u8));
            Add(epfd, p[0], EpollEvents.In, (ulong)i);
        }
        var count = new int[NReady];
        int collected = 0, target = rounds * NReady;
        var events = new EpollEvent[MaxEvents];
        while (collected < target)
        {
            int ret = WaitOk(epfd, events, MaxEvents, 0);
            Assert.Equal(MaxEvents, ret);
            for (int i = 0; i < ret && collected < target; i++)
            {
                ulong idx = events[i].Data;
                Assert.True(idx < NReady, $"bogus index {idx}");
                count[idx]++;
                collected++;
            }
        }
        for (int i = 0; i < NReady; i++) Assert.True(count[i] == rounds, $"fd {i} reported {count[i]} times, expected {rounds}");
    }

    // ---- epoll_wait15 / epoll_wait16 -------------------------------------------------------------------------

    private protected const int NWaiters = 8;

    [Fact]
    public async Task Ltp_epoll_wait15_one_event_wakes_all_instances()
    {
        int[] fds = NewPipe();
        var eps = new int[NWaiters];
        var waiters = new Task<int>[NWaiters];
        for (int i = 0; i < NWaiters; i++)
        {
            eps[i] = NewEpoll();
            Add(eps[i], fds[0], EpollEvents.In | EpollEvents.EdgeTriggered, 0);
            int efd = eps[i];
            waiters[i] = RunThread(() => Px.EpollWait(efd, new EpollEvent[1], 1, (int)Generous.TotalMilliseconds));
        }
        for (int i = 0; i < NWaiters; i++) await WaitUntilBlocked(EngineOf(Table, eps[i]), 1, waiters);

        Assert.Equal(1, Write(fds[1], "x"u8));

        int[] results = await Task.WhenAll(waiters).WaitAsync(Generous);
        Assert.True(results.All(r => r == 1), $"single event woke {results.Count(r => r == 1)} of {NWaiters} waiters");
    }

}

/// <summary>
/// The epoll_wait cases with table descriptors, and two that run with them only: epoll_wait08 watches nothing (an
/// instance without OS registrations has no kernel side, so an OS run would repeat this one), and epoll_wait16 counts
/// the waiters still queued right after each write, which the user-space queue shows synchronously but a thread woken
/// in the kernel leaves only when it gets to run.
/// </summary>
public sealed class LtpEpollWaitTests : LtpEpollWaitCases
{
    /// <summary>SIGUSR1 with a handler becomes cancellation of the blocked wait.</summary>
    [Fact]
    public async Task Ltp_epoll_wait08_EINTR()
    {
        int efd = NewEpoll();
        using var signal = new CancellationTokenSource();
        Task<(int, Errno)> child = RunThread(() =>
        {
            int r = Px.EpollWait(efd, new EpollEvent[1], 1, -1, signal.Token);
            return (r, Posix.Errno);
        });
        await WaitUntilBlocked(EngineOf(Table, efd), 1, child);
        await signal.CancelAsync();
        (int result, Errno errno) = await child.WaitAsync(Generous);
        Assert.Equal(-1, result);
        Assert.Equal(Errno.EINTR, errno);
    }

    [Fact]
    public async Task Ltp_epoll_wait16_exclusive_wakes_exactly_one()
    {
        int[] fds = NewPipe();
        int woken = 0;
        using var checkpoint = new SemaphoreSlim(0);
        var engines = new Eventpoll[NWaiters];
        var eps = new int[NWaiters];
        var waiters = new Task<int>[NWaiters];
        for (int i = 0; i < NWaiters; i++)
        {
            eps[i] = NewEpoll();
            Add(eps[i], fds[0], EpollEvents.In | EpollEvents.EdgeTriggered | EpollEvents.Exclusive, 0);
            engines[i] = EngineOf(Table, eps[i]);
        }
        for (int i = 0; i < NWaiters; i++)
        {
            int efd = eps[i];
            waiters[i] = RunThread(() =>
            {
                int r = Px.EpollWait(efd, new EpollEvent[1], 1, (int)Generous.TotalMilliseconds);
                if (r == 1)
                {
                    Interlocked.Increment(ref woken);
                    checkpoint.Release();
                }
                Px.Close(efd);
                return r;
            });
        }
        for (int i = 0; i < NWaiters; i++) await WaitUntilBlocked(engines[i], 1, waiters);

        var c = new byte[1];
        for (int round = 0; round < NWaiters; round++)
        {
            Assert.Equal(1, Write(fds[1], "x"u8));
            // A wakeup dequeues its waiter inside the write, so the waiters still queued now are exactly those
            // this and earlier writes did not wake.
            Assert.Equal(NWaiters - (round + 1), engines.Sum(e => e.WaiterCount));
            Assert.True(await checkpoint.WaitAsync(Generous), $"event {round + 1} woke no waiter");
            Assert.Equal(round + 1, Volatile.Read(ref woken));
            Assert.Equal(1, Read(fds[0], c));
        }

        int[] results = await Task.WhenAll(waiters).WaitAsync(Generous);
        Assert.All(results, r => Assert.Equal(1, r));
    }
}

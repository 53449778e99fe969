using EventPoll.Tests.Support;
using System.Diagnostics;
using System.Text;
using Xunit;
using static EventPoll.Tests.Ported.PortedSupport;

namespace EventPoll.Tests.Ported;

/// <summary>
/// Ports of gVisor's test/syscalls/linux/epoll.cc (EpollTest.*). Eventfds are the watched files as in the
/// original; signals become cancellation (EINTR); sleeps that order threads become waits for a blocked waiter.
/// The cases that watch files run with both kinds of source: in-process (<see cref="GvisorEpollTests"/>) and OS
/// descriptors (<see cref="Os.GvisorEpollOsTests"/>).
/// </summary>
public abstract class GvisorEpollCases : HandleOwner
{
    private protected const int FdsPerEpoll = 3;                   // kFDsPerEpoll
    private protected const ulong Magic = 0x0102030405060708;      // kMagicConstant
    private protected const int ShortTimeoutMs = 50;               // stands for the original's 100 ms / 200 ms




    /// <summary>The kind of the watched eventfds, pipes and sockets.</summary>
    private protected abstract ISourceFactory Sources { get; }

    /// <summary>Adds a file that has no poll operation (a regular file) to <paramref name="ep"/>.</summary>
    private protected abstract void AddRegularFile(Epoll ep);

    private protected Epoll NewEpoll() => Own(new Epoll(Table));

    /// <summary>The original's epoll_wait(-1) for events that are ready: the same call, bounded (see <see cref="Bounded.Call"/>).</summary>
    private static int WaitForever(Epoll ep, EpollEvent[] result)
        => Bounded.Call(() => ep.Wait(result, -1), "epoll_wait(-1) did not return the ready events");

    private SourceEnd NewEventFd() => Own(Sources.EventFd(Table));

    /// <summary>kFDsPerEpoll eventfds registered with <paramref name="events"/> and data kMagicConstant + i.</summary>
    private SourceEnd[] RegisterEventFds(Epoll ep, EpollEvents events)
    {
        var fds = new SourceEnd[FdsPerEpoll];
        for (int i = 0; i < FdsPerEpoll; i++)
        {
            fds[i] = NewEventFd();
            fds[i].AddTo(ep, events, Magic + (ulong)i);
        }
        return fds;
    }

    [Fact]
    public void Gvisor_AllWritable()
    {
        Epoll ep = NewEpoll();
        RegisterEventFds(ep, EpollEvents.In | EpollEvents.Out);
        var result = new EpollEvent[FdsPerEpoll];
        Assert.Equal(FdsPerEpoll, WaitForever(ep, result));
        for (int i = 0; i < FdsPerEpoll; i++) Assert.Equal(EpollEvents.Out, result[i].Events);
    }

    [Fact]
    public void Gvisor_LastReadable()
    {
        Epoll ep = NewEpoll();
        SourceEnd[] fds = RegisterEventFds(ep, EpollEvents.In | EpollEvents.Out);
        fds[FdsPerEpoll - 1].Signal(1);
        var result = new EpollEvent[FdsPerEpoll];
        Assert.Equal(FdsPerEpoll, WaitForever(ep, result));
        int i;
        for (i = 0; i < FdsPerEpoll - 1; i++) Assert.Equal(EpollEvents.Out, result[i].Events);
        Assert.Equal(EpollEvents.Out | EpollEvents.In, result[i].Events);
        Assert.Equal(Magic + (ulong)i, result[i].Data);
    }

    [Fact]
    public void Gvisor_LastNonWritable()
    {
        Epoll ep = NewEpoll();
        SourceEnd[] fds = RegisterEventFds(ep, EpollEvents.In | EpollEvents.Out);
        fds[FdsPerEpoll - 1].Signal(ulong.MaxValue - 1); // a further write would block
        var result = new EpollEvent[FdsPerEpoll];
        Assert.Equal(FdsPerEpoll, WaitForever(ep, result));
        int i;
        for (i = 0; i < FdsPerEpoll - 1; i++) Assert.Equal(EpollEvents.Out, result[i].Events);
        Assert.Equal(EpollEvents.In, result[i].Events);
        Assert.Equal(ulong.MaxValue - 1, fds[FdsPerEpoll - 1].Consume());
        Assert.Equal(FdsPerEpoll, WaitForever(ep, result));
        for (i = 0; i < FdsPerEpoll; i++) Assert.Equal(EpollEvents.Out, result[i].Events);
    }

    [Fact]
    public void Gvisor_Timeout()
    {
        Epoll ep = NewEpoll();
        RegisterEventFds(ep, EpollEvents.In);
        var result = new EpollEvent[FdsPerEpoll];
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, ep.Wait(result, ShortTimeoutMs));
        clock.Stop();
        // The lower bound only, as the original: an upper bound is fragile under scheduling delays.
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(ShortTimeoutMs), $"returned after {clock.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public void Gvisor_EpollPwait2Timeout()
    {
        var px = new Posix(Table);
        Epoll ep = NewEpoll();
        RegisterEventFds(ep, EpollEvents.In);
        var result = new EpollEvent[FdsPerEpoll];
        // A zero timespec returns at once even with nothing ready.
        Assert.Equal(0, px.EpollPwait2(ep.Fd, result, FdsPerEpoll, TimeSpan.Zero));

        TimeSpan timeout = TimeSpan.FromMilliseconds(ShortTimeoutMs);
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, px.EpollPwait2(ep.Fd, result, FdsPerEpoll, timeout));
        clock.Stop();
        Assert.True(clock.Elapsed >= timeout, $"returned after {clock.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Gvisor_WaitThenUnblock()
    {
        Epoll ep = NewEpoll();
        SourceEnd[] fds = RegisterEventFds(ep, EpollEvents.In);
        Task<int> waiter = RunThread(() => ep.Wait(new EpollEvent[FdsPerEpoll], -1));
        await WaitUntilBlocked(EngineOf(ep), 1, waiter);
        fds[0].Signal(1); // the writer thread of the original
        Assert.Equal(1, await waiter.WaitAsync(Generous));
    }

    [Fact]
    public async Task Gvisor_UnblockWithSignal()
    {
        Epoll ep = NewEpoll();
        RegisterEventFds(ep, EpollEvents.In);
        using var signal = new CancellationTokenSource();
        Task<int> waiter = RunThread(() => ep.Wait(new EpollEvent[FdsPerEpoll], -1, signal.Token));
        await WaitUntilBlocked(EngineOf(ep), 1, waiter);
        await signal.CancelAsync();
        // The handle API reports the signal's stand-in as OperationCanceledException (the POSIX face: EINTR).
        OperationCanceledException e = await Assert.ThrowsAsync<OperationCanceledException>(() => waiter.WaitAsync(Generous));
        Assert.Equal(signal.Token, e.CancellationToken);
    }

    [Fact]
    public async Task Gvisor_UnblockWithNewFD()
    {
        Epoll ep = NewEpoll();
        SourceEnd efd = NewEventFd();
        var result = new EpollEvent[FdsPerEpoll];
        Task<int> waiter = RunThread(() => ep.Wait(result, -1));
        await WaitUntilBlocked(EngineOf(ep), 1, waiter);
        efd.AddTo(ep, EpollEvents.In | EpollEvents.Out, 0xdeadbeeffacefeed); // the fd_adder thread
        Assert.Equal(1, await waiter.WaitAsync(Generous));
        Assert.Equal(0xdeadbeeffacefeedUL, result[0].Data);
    }

    [Fact]
    public void Gvisor_Oneshot()
    {
        Epoll ep = NewEpoll();
        SourceEnd[] fds = RegisterEventFds(ep, EpollEvents.In);
        fds[0].ModifyIn(ep, EpollEvents.Out | EpollEvents.OneShot, Magic);
        var result = new EpollEvent[FdsPerEpoll];
        Assert.Equal(1, WaitForever(ep, result));
        Assert.Equal(Magic, result[0].Data);
        Assert.Equal(0, ep.Wait(result, ShortTimeoutMs));
    }

    [Fact]
    public async Task Gvisor_DoubleEpollOneShot()
    {
        const int rounds = 1 << 14;
        byte[] request = Encoding.ASCII.GetBytes("hello\0");
        byte[] stop = Encoding.ASCII.GetBytes("world\0");

        (SourceEnd server, SourceEnd client) = Sources.SocketPair(Table);
        Own(server);
        Own(client);
        Epoll[] eps = [NewEpoll(), NewEpoll()];
        foreach (Epoll ep in eps) client.AddTo(ep, EpollEvents.In | EpollEvents.OneShot, Magic);
        var socketLock = new object();

        // Descriptors here never block, so a blocking read is emulated by waiting for readability on a private
        // level-triggered instance (the original's sockets are blocking).
        void ReadExact(SourceEnd socket, Epoll readable, byte[] buffer)
        {
            int done = 0;
            var ev = new EpollEvent[1];
            while (done < buffer.Length)
            {
                if (socket.TryRead(buffer.AsSpan(done), out int n))
                {
                    if (n == 0) throw new InvalidOperationException("unexpected end of stream");
                    done += n;
                }
                else
                {
                    readable.Wait(ev, -1);
                }
            }
        }

        void WriteAll(SourceEnd socket, byte[] data)
        {
            int n = socket.Write(data);
            if (n != data.Length) throw new InvalidOperationException($"short write {n}");
        }

        Task serverTask = RunThread(() =>
        {
            using var readable = new Epoll(Table);
            server.AddTo(readable, EpollEvents.In);
            var got = new byte[request.Length];
            for (int round = 0; round < rounds; round++)
            {
                ReadExact(server, readable, got);
                if (!got.AsSpan().SequenceEqual(request)) throw new InvalidOperationException("bad request");
                WriteAll(server, round < rounds - 2 ? request : stop);
            }
        });

        Task ClientTask(Epoll ep) => RunThread(() =>
        {
            using var readable = new Epoll(Table);
            client.AddTo(readable, EpollEvents.In);
            var response = new byte[request.Length];
            var ev = new EpollEvent[1];
            bool rearm = false;
            while (true)
            {
                if (rearm) client.ModifyIn(ep, EpollEvents.In | EpollEvents.OneShot, Magic);
                lock (socketLock) WriteAll(client, request);
                int ready = ep.Wait(ev, -1);
                if (ready != 1 || ev[0].Data != Magic) throw new InvalidOperationException($"epoll_wait returned {ready}");
                rearm = true;
                lock (socketLock) ReadExact(client, readable, response);
                if (response.AsSpan().SequenceEqual(stop)) return;
                if (!response.AsSpan().SequenceEqual(request)) throw new InvalidOperationException("bad response");
            }
        });

        Task[] clients = [ClientTask(eps[0]), ClientTask(eps[1])];
        // No hang (the original's property): everything completes within the generous bound.
        await Task.WhenAll([serverTask, .. clients]).WaitAsync(Generous);
    }

    [Fact]
    public void Gvisor_EdgeTriggered()
    {
        Epoll ep = NewEpoll();
        SourceEnd efd = NewEventFd();
        efd.AddTo(ep, EpollEvents.Out | EpollEvents.EdgeTriggered, Magic);
        var result = new EpollEvent[FdsPerEpoll];
        Assert.Equal(1, WaitForever(ep, result));
        Assert.Equal(Magic, result[0].Data);
        Assert.Equal(0, ep.Wait(result, ShortTimeoutMs));

        efd.Signal(ulong.MaxValue - 1); // not writable
        Assert.Equal(ulong.MaxValue - 1, efd.Consume()); // writable again: an edge

        Assert.Equal(1, WaitForever(ep, result));
        Assert.Equal(Magic, result[0].Data);
        Assert.Equal(0, ep.Wait(result, ShortTimeoutMs));
    }

    [Fact]
    public void Gvisor_OneshotAndEdgeTriggered()
    {
        Epoll ep = NewEpoll();
        SourceEnd efd = NewEventFd();
        efd.AddTo(ep, EpollEvents.Out | EpollEvents.EdgeTriggered | EpollEvents.OneShot, Magic);
        var result = new EpollEvent[FdsPerEpoll];
        Assert.Equal(1, WaitForever(ep, result));
        Assert.Equal(Magic, result[0].Data);
        Assert.Equal(0, ep.Wait(result, ShortTimeoutMs));

        efd.Signal(ulong.MaxValue - 1);
        Assert.Equal(ulong.MaxValue - 1, efd.Consume());
        // The edge is not reported: ONESHOT disabled the item.
        Assert.Equal(0, ep.Wait(result, ShortTimeoutMs));
    }

    [Fact]
    public void Gvisor_CloseFile()
    {
        Epoll ep = NewEpoll();
        SourceEnd efd = Sources.EventFd(Table);
        efd.AddTo(ep, EpollEvents.Out, Magic);
        var result = new EpollEvent[FdsPerEpoll];
        Assert.Equal(1, WaitForever(ep, result));
        Assert.Equal(Magic, result[0].Data);
        efd.Dispose(); // the last reference: the registration goes away
        Assert.Equal(0, ep.Wait(result, ShortTimeoutMs));
    }

    [Fact]
    public void Gvisor_PipeReaderHupAfterWriterClosed()
    {
        Epoll ep = NewEpoll();
        (SourceEnd rfd, SourceEnd wfd) = Sources.Pipe(Table);
        Own(rfd);
        rfd.AddTo(ep, EpollEvents.None, Magic);
        var result = new EpollEvent[FdsPerEpoll];
        Assert.Equal(0, ep.Wait(result, 0));
        wfd.Dispose();
        // EPOLLHUP is always in the interest set.
        Assert.Equal(1, ep.Wait(result, 0));
        Assert.Equal(EpollEvents.Hup, result[0].Events);
        Assert.Equal(Magic, result[0].Data);
    }

    [Fact]
    public void Gvisor_PipeWriterErrAfterReaderClosed()
    {
        Epoll ep = NewEpoll();
        (SourceEnd rfd, SourceEnd wfd) = Sources.Pipe(Table);
        Own(wfd);
        wfd.AddTo(ep, EpollEvents.Err, Magic);
        var result = new EpollEvent[FdsPerEpoll];
        // A fresh pipe's writer is writable, but EPOLLOUT was not requested.
        Assert.Equal(0, ep.Wait(result, 0));
        rfd.Dispose();
        Assert.Equal(1, ep.Wait(result, 0));
        Assert.Equal(EpollEvents.Err, result[0].Events);
        Assert.Equal(Magic, result[0].Data);
    }

    private const ulong ReadEnd = 0x5EAD; // the original's data word is the read end's descriptor number

    [Fact]
    public async Task Gvisor_DoubleLayerEpoll()
    {
        (SourceEnd rfd, SourceEnd wfd) = Sources.Pipe(Table);
        Own(rfd);
        Own(wfd);
        Epoll ep1 = NewEpoll();
        rfd.AddTo(ep1, EpollEvents.In | EpollEvents.Hup, ReadEnd);
        Epoll ep2 = NewEpoll();
        ep2.Add(ep1, EpollEvents.In | EpollEvents.Hup, (ulong)ep1.Fd);
        var ret = new EpollEvent[2];
        Assert.Equal(0, ep2.Wait(ret, 0));
        Assert.Equal(0, ep1.Wait(ret, 0));

        byte[] data = Encoding.ASCII.GetBytes("data\0");
        Eventpoll outer = EngineOf(ep2);
        for (int i = 0; i < 2; ++i) // twice: the event in ep1 must be cleaned up after the first round
        {
            Task writer = RunThread(() =>
            {
                SpinUntilBlocked(outer, 1);
                if (wfd.Write(data) != data.Length) throw new InvalidOperationException("short write");
            });
            Assert.Equal(1, ep2.Wait(ret, 5000));
            Assert.Equal((ulong)ep1.Fd, ret[0].Data);
            Assert.Equal(1, ep1.Wait(ret, 5000));
            Assert.Equal(ReadEnd, ret[0].Data);
            var buf = new byte[data.Length];
            Assert.Equal(data.Length, rfd.Read(buf));
            await writer.WaitAsync(Generous);
        }
    }

    [Fact]
    public void Gvisor_RegularFiles()
    {
        Epoll ep = NewEpoll();
        EpollException e = Assert.Throws<EpollException>(() => AddRegularFile(ep));
        Assert.Equal(Errno.EPERM, e.Errno);
    }

    /// <summary>
    /// The original: a signalfd in an epoll while another thread sends the main thread 25000 signals as it loops
    /// epoll_wait/read; no deadlock between the signal path's wakeup and the epoll's ready lock, and at least one
    /// signal read. Here: an eventfd stands for the signalfd and 25000 concurrent writes for the signals; the
    /// wakeup callbacks (under the source's lock) race harvests that poll the source under the instance's lock.
    /// </summary>
    [Fact]
    public async Task Gvisor_ReadyMutexCircularity()
    {
        const int signals = 25000;
        Epoll ep = NewEpoll();
        SourceEnd efd = NewEventFd();
        efd.AddTo(ep, EpollEvents.In);
        int sent = 0;
        Task sender = RunThread(() =>
        {
            for (int i = 0; i < signals; i++)
            {
                efd.Signal(1);
                Volatile.Write(ref sent, i + 1);
            }
        });

        Task<ulong> receiver = RunThread(() =>
        {
            ulong read = 0;
            var ev = new EpollEvent[1];
            while (Volatile.Read(ref sent) < signals || read < signals)
            {
                if (ep.Wait(ev, 10) == 1 && efd.TryConsume(out ulong value)) read += value;
            }
            return read;
        });

        await Task.WhenAll(sender, receiver).WaitAsync(Generous);
        ulong total = await receiver;
        Assert.True(total >= 1, "no signal was read");
        Assert.Equal((ulong)signals, total);
    }
}

/// <summary>The gVisor cases with in-process sources, and those that watch no file at all (they need no OS run).</summary>
public sealed class GvisorEpollTests : GvisorEpollCases
{
    private protected override ISourceFactory Sources => SourceEnd.Factory(SourceKind.InProcess);

    private protected override void AddRegularFile(Epoll ep) => ep.Add(Own(new MemoryFile(table: Table)), EpollEvents.In | EpollEvents.Out);

    [Fact]
    public void Gvisor_TimeoutNoFds()
    {
        Epoll ep = NewEpoll();
        Assert.Equal(0, ep.Wait(new EpollEvent[FdsPerEpoll], ShortTimeoutMs));
    }

    [Fact]
    public void Gvisor_CycleOfOneDisallowed()
    {
        Epoll ep = NewEpoll();
        EpollException e = Assert.Throws<EpollException>(() => ep.Add(ep, EpollEvents.Out, Magic));
        Assert.Equal(Errno.EINVAL, e.Errno);
    }

    [Fact]
    public void Gvisor_CycleOfThreeDisallowed()
    {
        Epoll ep0 = NewEpoll(), ep1 = NewEpoll(), ep2 = NewEpoll();
        ep0.Add(ep1, EpollEvents.In, Magic);
        ep1.Add(ep2, EpollEvents.In, Magic);
        EpollException e = Assert.Throws<EpollException>(() => ep2.Add(ep0, EpollEvents.In, Magic));
        Assert.Equal(Errno.ELOOP, e.Errno);
    }
}

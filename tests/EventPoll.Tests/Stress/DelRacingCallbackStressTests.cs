using EventPoll.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace EventPoll.Tests.Stress;

/// <summary>
/// DEL (and MOD) racing the wakeup callback: two instances each register one eventfd under two descriptors
/// (the file and a dup of it: two items on one wait queue per instance). One thread per instance keeps adding,
/// modifying and deleting those registrations in random modes, two writers keep writing and reading the
/// eventfd (callbacks with IN and OUT keys), and a harvester keeps waiting on both instances.
/// </summary>
/// <remarks>
/// Invariants: a wait that starts after a DEL or MOD returned never reports the registration's old token (the
/// item removed, or its data replaced, under the interest lock that the harvest takes); no duplicate in one
/// harvest; ONESHOT armings once. When all stops: each instance's item count and the eventfd's wait-queue length
/// match what the ctl threads believe is registered; after the close, nothing is left.
/// </remarks>
[Collection(StressCollection.Name)]
public sealed class DelRacingCallbackStressTests(ITestOutputHelper output)
{
    private const int Instances = 2, Keys = 2, Slots = Instances * Keys;

    [Fact]
    public void DelAndModRacingCallbacks_NeverReportRetiredRegistrations()
    {
        long liveBefore = EngineAccess.QuiescedLiveInstances();
        var account = new WatchAccount(100_000);
        var table = new DescriptorTable();
        var px = new Posix(table, account);
        var run = new StressRun();
        var oneShots = new DeliveryLog();
        int efd = px.EventFd(0, Posix.O_NONBLOCK);
        int[] keyFds = [efd, px.Dup(efd)];
        var file = (EventFdFile)EngineAccess.FileAt(table, efd)!;
        int[] eps = [px.EpollCreate1(0), px.EpollCreate1(0)];
        var retired = new long[Slots];      // per (instance, key): tokens with a serial up to this are retired
        var registered = new bool[Slots];   // owned by the instance's ctl thread
        long reports = 0;

        for (int k = 0; k < Instances; k++)
        {
            int inst = k;
            run.Start($"ctl {k}", rng =>
            {
                var current = new ulong[Keys];
                while (!run.Stopping)
                {
                    int key = rng.Next(Keys), slot = inst * Keys + key;
                    EpollEvents events = EpollEvents.In | (rng.Next(4) switch
                    {
                        0 => 0,
                        1 => EpollEvents.EdgeTriggered,
                        2 => EpollEvents.OneShot,
                        _ => EpollEvents.Out,
                    });
                    ulong token = Token.Next((events & EpollEvents.OneShot) != 0, slot);
                    int op = registered[slot] ? (rng.Next(2) == 0 ? Posix.EPOLL_CTL_MOD : Posix.EPOLL_CTL_DEL) : Posix.EPOLL_CTL_ADD;
                    int ret = px.EpollCtl(eps[inst], op, keyFds[key], op == Posix.EPOLL_CTL_DEL ? null : new EpollEvent(events, token));
                    if (ret != 0)
                    {
                        run.Fail($"ctl {op} failed with {Posix.Errno} (the only thread changing this registration)");
                        return;
                    }
                    if (op != Posix.EPOLL_CTL_ADD) Volatile.Write(ref retired[slot], (long)Token.Serial(current[key]));
                    registered[slot] = op != Posix.EPOLL_CTL_DEL;
                    current[key] = token;
                }
            });
        }
        for (int w = 0; w < 2; w++)
        {
            run.Start($"writer {w}", rng =>
            {
                Span<byte> value = stackalloc byte[8];
                BitConverter.TryWriteBytes(value, 1UL);
                while (!run.Stopping)
                {
                    long r = rng.Next(3) == 0 ? px.Read(efd, value) : px.Write(efd, value);
                    if (r < 0 && Posix.Errno != Errno.EAGAIN) run.Fail($"read/write failed with {Posix.Errno}");
                    BitConverter.TryWriteBytes(value, 1UL);
                }
            });
        }
        run.Start("harvester", rng =>
        {
            var events = new EpollEvent[4];
            var before = new long[Slots];
            while (!run.Stopping)
            {
                int inst = rng.Next(Instances);
                for (int s = 0; s < Slots; s++) before[s] = Volatile.Read(ref retired[s]);
                int n = px.EpollWait(eps[inst], events, rng.Next(1, 5), rng.Next(2));
                if (n < 0) run.Fail($"wait failed with {Posix.Errno}");
                StressChecks.CheckHarvest(run, events.AsSpan(0, Math.Max(n, 0)), oneShots, "harvest");
                for (int i = 0; i < n; i++)
                {
                    Interlocked.Increment(ref reports);
                    int slot = Token.Payload(events[i].Data);
                    if (slot / Keys != inst) run.Fail($"instance {inst} reported a token of instance {slot / Keys}");
                    if ((long)Token.Serial(events[i].Data) <= before[slot]) run.Fail($"token {events[i].Data:x} reported after its DEL/MOD returned");
                }
            }
        });

        run.RunFor(StressSettings.RaceDuration);
        run.AssertClean();
        output.WriteLine($"seed {StressSettings.Seed}: {Interlocked.Read(ref reports)} reports");
        Assert.True(Interlocked.Read(ref reports) > 1000, "too few reports to mean anything");

        // Quiescent: the engine agrees with the ctl threads' view.
        int expectedEntries = 0;
        for (int k = 0; k < Instances; k++)
        {
            int items = registered.Skip(k * Keys).Take(Keys).Count(r => r);
            expectedEntries += items;
            Assert.Equal(items, ((Eventpoll)EngineAccess.FileAt(table, eps[k])!).ItemCount);
        }
        Assert.Equal(expectedEntries, file.Queue.Count);
        Assert.Equal(expectedEntries, account.Watches);

        StressChecks.CloseAll(table);
        Assert.Equal(0, account.Watches);
        Assert.Null(file.FirstWatcher);
        Assert.Equal(liveBefore, Eventpoll.LiveInstances);
    }
}

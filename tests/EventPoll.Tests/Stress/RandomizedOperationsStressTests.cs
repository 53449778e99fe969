using EventPoll.Tests.Support;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Xunit;
using Xunit.Abstractions;

namespace EventPoll.Tests.Stress;

/// <summary>
/// Seven threads doing random epoll_ctl (ADD/MOD/DEL, LT/ET/ONESHOT/EXCLUSIVE, nested instances), epoll_wait
/// (blocking with short timeouts, and asynchronous), close, dup, dup2, write, read and poll on four shared
/// instances and a shared set of eventfds, all through one descriptor table, so every descriptor can be closed
/// or replaced under any other operation.
/// </summary>
/// <remarks>
/// <para>Invariants while running: every call fails only with an errno the race explains (EBADF for a closed
/// descriptor, ENOENT/EEXIST for a registration another thread changed, ELOOP/EINVAL for nesting, EAGAIN);
/// no harvest reports one item twice; no event has an empty mask; each ONESHOT arming (a unique token per ADD or
/// MOD) is delivered at most once over all waiters.</para>
/// <para>No lost wakeup, once the threads have stopped: every registered eventfd is signalled once more; then one
/// wait per instance must report every armed, non-exclusive item whose file is ready (level-triggered) or got that
/// edge (edge-triggered, IN interest), and every level-triggered item on a ready nested instance.</para>
/// <para>No leak: after every descriptor is closed, the private account has zero watches, the live-instance
/// count is back to where it was, and instances, items and files seen during the run are garbage.</para>
/// </remarks>
[Collection(StressCollection.Name)]
public sealed class RandomizedOperationsStressTests(ITestOutputHelper output)
{
    private const int Threads = 7;

    [Fact]
    public void RandomOperations_KeepInvariants_AndLeaveNothingBehind()
    {
        long liveBefore = EngineAccess.QuiescedLiveInstances();
        var run = new StressRun();
        var world = new World(run);
        for (int t = 0; t < Threads; t++) run.Start($"random ops {t}", world.Worker);
        run.RunFor(StressSettings.Duration);
        run.AssertClean();
        Assert.True(world.Operations > 10_000, $"only {world.Operations} operations ran");

        (int instances, int items, int mustReport) = world.CheckNoLostWakeup();
        run.AssertClean();
        output.WriteLine($"seed {StressSettings.Seed}: {world.Operations} operations; final check: {instances} instances, {items} items, {mustReport} had to be reported");

        StressChecks.CloseAll(world.Table);
        Assert.Equal(0, world.Account.Watches);
        Assert.Equal(liveBefore, Eventpoll.LiveInstances);
        StressChecks.AssertCollected(world.Seen, "instances, items and files");
    }

    /// <summary>The shared descriptors and the operations on them.</summary>
    private sealed class World
    {
        private const int InstanceSlots = 4, FileSlots = 12, AliasSlots = 6, MaxWeak = 50_000;

        private readonly StressRun _run;
        private readonly Posix _px;
        private readonly DeliveryLog _oneShots = new();
        private readonly int[] _instances = new int[InstanceSlots];
        private readonly int[] _files = new int[FileSlots];
        private readonly int[] _aliases = new int[AliasSlots];
        private readonly ConcurrentQueue<WeakReference> _seen = new();
        private long _operations;

        internal World(StressRun run)
        {
            _run = run;
            Account = new WatchAccount(1_000_000);
            _px = new Posix(Table, Account);
            for (int i = 0; i < InstanceSlots; i++) _instances[i] = NewInstance();
            for (int i = 0; i < FileSlots; i++) _files[i] = NewEventFd();
            for (int i = 0; i < AliasSlots; i++) _aliases[i] = _px.Dup(_files[i]);
        }

        internal DescriptorTable Table { get; } = new();

        internal WatchAccount Account { get; }

        internal long Operations => Volatile.Read(ref _operations);

        internal IReadOnlyCollection<WeakReference> Seen => _seen;

        internal void Worker(Random rng)
        {
            var buffer = new EpollEvent[8];
            var asyncBuffer = new EpollEvent[8];
            Span<byte> bytes = stackalloc byte[8];
            while (!_run.Stopping)
            {
                int op = rng.Next(100);
                if (op < 20) Ctl(rng, EpollOp.Add);
                else if (op < 32) Ctl(rng, EpollOp.Mod);
                else if (op < 40) Ctl(rng, EpollOp.Del);
                else if (op < 58) Wait(rng, buffer);
                else if (op < 62) WaitAsync(rng, asyncBuffer);
                else if (op < 77) Write(rng, bytes);
                else if (op < 84) Read(rng, bytes);
                else if (op < 88) Replace(_files, rng.Next(FileSlots), NewEventFd);
                else if (op < 90) Replace(_instances, rng.Next(InstanceSlots), NewInstance);
                else if (op < 94) Replace(_aliases, rng.Next(AliasSlots), () => _px.Dup(AnyFile(rng)));
                else if (op < 97) Dup2(rng);
                else _ = _px.PollNow(AnyFile(rng), EpollEvents.In | EpollEvents.Out);
                Interlocked.Increment(ref _operations);
            }
        }

        private int AnyFile(Random rng)
        {
            int i = rng.Next(FileSlots + AliasSlots);
            return i < FileSlots ? Volatile.Read(ref _files[i]) : Volatile.Read(ref _aliases[i - FileSlots]);
        }

        private int AnyInstance(Random rng) => Volatile.Read(ref _instances[rng.Next(InstanceSlots)]);

        private void Ctl(Random rng, EpollOp op)
        {
            int ep = AnyInstance(rng);
            int target = rng.Next(7) == 0 ? AnyInstance(rng) : AnyFile(rng);
            EpollEvents events = rng.Next(3) switch { 0 => EpollEvents.In, 1 => EpollEvents.Out, _ => EpollEvents.In | EpollEvents.Out };
            int mode = rng.Next(10);
            if (mode is >= 4 and <= 6) events |= EpollEvents.EdgeTriggered;
            if (mode is 7 or 8) events |= EpollEvents.OneShot | (rng.Next(2) == 0 ? EpollEvents.EdgeTriggered : 0);
            if (mode == 9) events |= EpollEvents.Exclusive | (rng.Next(2) == 0 ? EpollEvents.EdgeTriggered : 0);
            ulong data = Token.Next((events & EpollEvents.OneShot) != 0);
            int ret = _px.EpollCtl(ep, (int)op, target, op == EpollOp.Del ? null : new EpollEvent(events, data));
            if (ret == 0) return;
            Errno e = Posix.Errno;
            bool explained = e is Errno.EBADF or Errno.ENOENT or Errno.EEXIST or Errno.ELOOP or Errno.EINVAL;
            if (!explained) _run.Fail($"epoll_ctl({op}, {events}) failed with {e}");
        }

        private void Wait(Random rng, EpollEvent[] buffer)
        {
            int ep = AnyInstance(rng);
            int n = _px.EpollWait(ep, buffer, rng.Next(1, buffer.Length + 1), rng.Next(3));
            if (n < 0)
            {
                if (Posix.Errno is not (Errno.EBADF or Errno.EINVAL)) _run.Fail($"epoll_wait failed with {Posix.Errno}");
                return;
            }
            StressChecks.CheckHarvest(_run, buffer.AsSpan(0, n), _oneShots, "epoll_wait");
            if (rng.Next(50) == 0 && _seen.Count < MaxWeak) RememberItems(ep);
        }

        private void WaitAsync(Random rng, EpollEvent[] buffer)
        {
            if (Table.Pin(AnyInstance(rng)) is not OpenFile file) return;
            ValueTask<int> pending;
            try
            {
                if (file is not Eventpoll ep) return;
                pending = ep.WaitAsync(buffer.AsMemory(0, rng.Next(1, buffer.Length + 1)), rng.Next(3), CancellationToken.None);
            }
            finally
            {
                file.Release(); // the pending wait holds its own reference, as Epoll.WaitAsync does
            }
            Task<int> task = pending.AsTask();
            if (!task.Wait(StressSettings.Generous))
            {
                _run.Fail("an asynchronous wait with a 2 ms timeout never completed");
                return;
            }
            StressChecks.CheckHarvest(_run, buffer.AsSpan(0, task.Result), _oneShots, "WaitAsync");
        }

        private void Write(Random rng, Span<byte> bytes)
        {
            BitConverter.TryWriteBytes(bytes, 1UL);
            if (_px.Write(AnyFile(rng), bytes) < 0 && Posix.Errno is not (Errno.EBADF or Errno.EINVAL or Errno.EAGAIN))
            {
                _run.Fail($"write failed with {Posix.Errno}");
            }
        }

        private void Read(Random rng, Span<byte> bytes)
        {
            if (_px.Read(AnyFile(rng), bytes) < 0 && Posix.Errno is not (Errno.EBADF or Errno.EINVAL or Errno.EAGAIN))
            {
                _run.Fail($"read failed with {Posix.Errno}");
            }
        }

        private void Dup2(Random rng)
        {
            int alias = Volatile.Read(ref _aliases[rng.Next(AliasSlots)]);
            if (_px.Dup2(AnyFile(rng), alias) < 0 && Posix.Errno != Errno.EBADF) _run.Fail($"dup2 failed with {Posix.Errno}");
        }

        /// <summary>Installs a new descriptor in a slot and closes the one it replaces (which may already be closed or reused: the race is the point).</summary>
        private void Replace(int[] slots, int index, Func<int> create)
        {
            int fd = create();
            if (fd < 0)
            {
                if (Posix.Errno != Errno.EBADF) _run.Fail($"creating a descriptor failed with {Posix.Errno}");
                return;
            }
            int old = Interlocked.Exchange(ref slots[index], fd);
            if (_px.Close(old) < 0 && Posix.Errno != Errno.EBADF) _run.Fail($"close failed with {Posix.Errno}");
        }

        private int NewEventFd()
        {
            int fd = _px.EventFd(0, Posix.O_NONBLOCK);
            Remember(fd);
            return fd;
        }

        private int NewInstance()
        {
            int fd = _px.EpollCreate1(0);
            Remember(fd);
            return fd;
        }

        private void Remember(int fd)
        {
            if (_seen.Count < MaxWeak && EngineAccess.FileAt(Table, fd) is OpenFile file) _seen.Enqueue(new WeakReference(file));
        }

        private void RememberItems(int epfd)
        {
            if (EngineAccess.FileAt(Table, epfd) is not Eventpoll ep) return;
            foreach (EpItem item in ep.SnapshotItems().Take(2)) _seen.Enqueue(new WeakReference(item));
        }

        /// <summary>
        /// After the workers stopped: signal every registered eventfd once more, then each instance's next wait
        /// must report every item that is armed and ready (see the class remarks for the exact rule).
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        internal (int Instances, int Items, int MustReport) CheckNoLostWakeup()
        {
            var instances = Table.OpenDescriptors()
                .Select(fd => EngineAccess.FileAt(Table, fd))
                .OfType<Eventpoll>()
                .Distinct()
                .ToList();
            int itemCount = 0, mustReport = 0;
            Span<byte> one = stackalloc byte[8];
            BitConverter.TryWriteBytes(one, 1UL);
            foreach (Eventpoll ep in instances)
            {
                foreach (EpItem item in ep.SnapshotItems())
                {
                    if (item.File is EventFdFile) Assert.Equal(8, item.File.Write(one));
                }
            }

            foreach (Eventpoll ep in instances)
            {
                EpItem[] items = ep.SnapshotItems();
                itemCount += items.Length;
                var expected = new List<EpItem>();
                foreach (EpItem item in items)
                {
                    if (MustBeReported(item)) expected.Add(item);
                }
                var events = new EpollEvent[items.Length + 1];
                int n = ep.Wait(events, events.Length, 0, CancellationToken.None);
                Assert.True(n >= 0, $"final wait failed: {(Errno)(-n)}");
                StressChecks.CheckHarvest(_run, events.AsSpan(0, n), _oneShots, "final wait");
                var reported = events.Take(n).Select(e => e.Data).ToHashSet();
                mustReport += expected.Count;
                foreach (EpItem item in expected)
                {
                    ulong data = item.ReadSettings().Data;
                    if (!reported.Contains(data))
                    {
                        _run.Fail($"lost wakeup: item {data:x} ({(EpollEvents)item.Events}) on {item.File.GetType().Name} " +
                            $"polling {item.File.Poll(null)} was not reported; reported {n} of {items.Length} items");
                    }
                }
            }
            Assert.True(instances.Count > 0, "no instance survived the run");
            return (instances.Count, itemCount, mustReport);
        }

        private static bool MustBeReported(EpItem item)
        {
            uint events = item.Events;
            bool armed = (events & ~EpItem.PrivateBits) != 0;
            if (!armed || item.Exclusive) return false; // exclusive wakeups may go to another instance's item
            uint ready = (uint)item.File.Poll(null) & events & ~EpItem.PrivateBits;
            if (ready == 0) return false;
            if ((events & (uint)EpollEvents.EdgeTriggered) == 0) return true; // level-triggered: ready means queued
            return item.File is EventFdFile && (ready & (uint)EpollEvents.In) != 0; // the final write was an IN edge
        }
    }
}

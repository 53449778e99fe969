using System.Diagnostics;
using EventPoll.Scenarios.Api;
using EventPoll.Scenarios.Measurement;

namespace EventPoll.Scenarios.Scenarios;

/// <summary>
/// Eric Wong's eponeshotmt (reference §7): -t waiters and -w writers on one instance watching -f eventfds with
/// IN|ONESHOT. A waiter waits for exactly one event (asserted), reads that eventfd (EAGAIN allowed) and re-arms
/// it with MOD, -c times; writers write 1 to every eventfd in turn until all waiters are done. The figure is
/// waits per second over the whole run (the seed measured the run's wall time).
/// </summary>
internal static class OneShot
{
    internal const string Name = "oneshot";

    /// <summary>The seed's run: -t 4 -w 4 -f 10 (-c 1000000).</summary>
    internal const int Waiters = 4, Writers = 4, Files = 10;

    internal static ScenarioResult Run(BenchOptions options)
    {
        // The seed's -c 1,000,000 takes 15 s per kernel run on 2 cores, and a figure needs several runs of each
        // variant, so a full run uses a tenth (samples of about a second) unless --oneshot-count asks for more.
        int count = options.OneShotCount ?? options.Scale(100_000, 1_000, 100);
        var result = new ScenarioResult(Name, $"eponeshotmt -t {Waiters} -w {Writers} -f {Files} -c {count}: waits per second");
        Variant[] variants = Variants.Available(Variant.Product, Variant.LockedReadyList, Variant.Kernel);
        var writeRates = variants.Select(_ => new List<double>()).ToArray(); // the writers' pace, for the note below
        // Eight busy threads on this machine's two processors: a sample's waits/s can differ 3x from the next one's
        // (a holder preempted inside the harvest's lock, and a cross-processor cache-line cost that swings from
        // ~50 ns to ~1 us within seconds; pinning the threads did not remove it), so the median takes twice the
        // usual repetitions.
        result.AddInterleaved(options, "", Unit.OpsPerSecond, Variants.Labels(variants), e =>
        {
            Outcome outcome = Sample(Variants.Create(variants[e]), Waiters, Writers, Files, count);
            writeRates[e].Add(outcome.Writes / outcome.Elapsed.TotalSeconds);
            return outcome.WaitsPerSecond;
        }, repetitions: 2 * options.Repetitions - 1);
        result.ComputeRatios(Variants.Label(Variant.LockedReadyList));
        // The writers never block, so how hard they hit the eventfds' shared cache lines depends on how cheap a
        // write is: worth knowing when comparing the waiters' rates.
        result.Notes.Add("writers' successful writes per second (median): " + string.Join(", ",
            variants.Select((v, e) => $"{Variants.Label(v)} {Sampler.Median([.. writeRates[e].Skip(1)]) / 1e6:F2}M"))); // the first run was the warm-up
        result.Notes.Add("bars (issue 17): EventPoll >= 1.15x the kernel and >= 1.25x the locked list. They replace issue 4's >= 5x the kernel, "
            + "which no design reaches here: with four writers always runnable the four waiters get at most about half of the two processors, "
            + "and each wait moves several cache lines between them at ~100-200 ns each, so the kernel's own CPU per wait is already close to the floor.");
        return result;
    }

    /// <summary>What one run did: waits completed (must be waiters x count), writes that landed, and the wall time.</summary>
    internal readonly record struct Outcome(long CompletedWaits, long Writes, TimeSpan Elapsed)
    {
        internal double WaitsPerSecond => CompletedWaits / Elapsed.TotalSeconds;
    }

    internal static Outcome Sample(EpollApi api, int waiters, int writers, int files, int count)
    {
        int ep = (int)EpollApi.Check(api.CreateEpoll(), "epoll_create");
        var fds = new int[files];
        for (int i = 0; i < files; i++)
        {
            fds[i] = (int)EpollApi.Check(api.CreateEventFd(), "eventfd");
            EpollApi.Check(api.Ctl(ep, (int)EpollOp.Add, fds[i], EpollEvents.In | EpollEvents.OneShot, (ulong)fds[i]), "ADD");
        }
        long completed = 0, writes = 0;
        bool stop = false;
        Exception? failure = null;
        void Guard(Action body)
        {
            try { body(); }
            catch (Exception e) { failure ??= e; }
        }

        // As in the seed, waiters start first (and block); the clock starts with the writers.
        Thread[] waiterThreads = [.. Enumerable.Range(0, waiters).Select(i => new Thread(() => Guard(() =>
            Interlocked.Add(ref completed, Waiter(api, ep, count)))) { IsBackground = true, Name = $"oneshot waiter {i}" })];
        Thread[] writerThreads = [.. Enumerable.Range(0, writers).Select(i => new Thread(() => Guard(() =>
            Interlocked.Add(ref writes, Writer(api, fds, ref stop)))) { IsBackground = true, Name = $"oneshot writer {i}" })];
        foreach (Thread t in waiterThreads) t.Start();
        var clock = Stopwatch.StartNew();
        foreach (Thread t in writerThreads) t.Start();
        TimeSpan limit = TimeSpan.FromSeconds(60 + count / 5_000.0);
        foreach (Thread t in waiterThreads)
        {
            if (!t.Join(limit)) throw new TimeoutException($"{Name} on {api.Name}: a waiter did not finish in {limit.TotalSeconds:F0} s (lost wakeup?)");
        }
        TimeSpan elapsed = clock.Elapsed;
        Volatile.Write(ref stop, true);
        foreach (Thread t in writerThreads) t.Join();
        foreach (int fd in fds) api.Close(fd);
        api.Close(ep);
        if (failure is not null) throw new InvalidOperationException($"{Name} on {api.Name}: {failure.Message}", failure);
        return new Outcome(completed, writes, elapsed);
    }

    /// <summary>The seed's reader loop: epoll_wait for 1 event (rc must be 1), read it, re-arm it.</summary>
    private static long Waiter(EpollApi api, int ep, int count)
    {
        var events = new EpollEvent[1];
        for (int i = 0; i < count; i++)
        {
            int rc = api.Wait(ep, events, 1, -1);
            if (rc != 1) throw new InvalidOperationException($"epoll_wait returned {rc}, expected 1");
            int fd = (int)events[0].Data;
            long read = api.Consume(fd);
            if (read < 0 && read != -(long)Errno.EAGAIN) EpollApi.Check(read, "read");
            EpollApi.Check(api.Ctl(ep, (int)EpollOp.Mod, fd, EpollEvents.In | EpollEvents.OneShot, (ulong)fd), "MOD");
        }
        return count;
    }

    /// <summary>The seed's writer loop: write 1 to every eventfd in turn (EAGAIN allowed) until told to stop.</summary>
    private static long Writer(EpollApi api, int[] fds, ref bool stop)
    {
        long writes = 0;
        while (!Volatile.Read(ref stop))
        {
            foreach (int fd in fds)
            {
                long rc = api.Signal(fd);
                if (rc == 8) writes++;
                else if (rc != -(long)Errno.EAGAIN) EpollApi.Check(rc, "write");
            }
        }
        return writes;
    }
}

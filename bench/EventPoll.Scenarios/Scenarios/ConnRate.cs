using System.Diagnostics;
using EventPoll.Scenarios.Api;
using EventPoll.Scenarios.Measurement;

namespace EventPoll.Scenarios.Scenarios;

/// <summary>
/// The nginx case of the v6.4 refcount patch: T workers, each with its own instance, loop {create an eventfd,
/// ADD it, signal it, wait for it, close it without DEL}. The close removes the item on the file's release
/// path, which the "before" design serialises on a process-wide lock. As nginx's workers are processes, each
/// worker thread has its own descriptor table (the kernel's threads call unshare(CLONE_FILES)); a second
/// measurement at T=2 runs the workers as threads of one process sharing one table, where the table's lock
/// and its cache lines are shared by every create and close, in the kernel as in the engine.
/// </summary>
internal static class ConnRate
{
    internal const string Name = "connrate";
    internal static readonly int[] Threads = [1, 2, 4, 8];

    /// <summary>The row parameter of the shared-table measurement.</summary>
    internal const string SharedTableT2 = "T=2, one table";

    internal static ScenarioResult Run(BenchOptions options)
    {
        var result = new ScenarioResult(Name, "Connections per second (create, ADD, signal, wait, close) with T threads");
        Variant[] variants = Variants.Available(Variant.Product, Variant.GlobalClosePathLock, Variant.Kernel);
        foreach (int t in Threads) Measure(result, options, variants, t, $"T={t}", sharedTable: false);
        Measure(result, options, variants, 2, SharedTableT2, sharedTable: true);
        result.ComputeRatios(Variants.Label(Variant.GlobalClosePathLock));
        result.Notes.Add("T=N: N workers, each its own process (own descriptor table; the kernel's threads unshare(CLONE_FILES)). "
            + $"{SharedTableT2}: two threads of one process sharing one descriptor table.");
        return result;
    }

    private static void Measure(ScenarioResult result, BenchOptions options, Variant[] variants, int threads, string parameter, bool sharedTable) =>
        result.AddInterleaved(options, parameter, Unit.OpsPerSecond, Variants.Labels(variants),
            e => Sample(Variants.Create(variants[e]), threads, options.SampleDuration, sharedTable).OpsPerSecond);

    /// <summary>What one sample counted.</summary>
    internal readonly record struct Outcome(long Connections, TimeSpan Elapsed)
    {
        internal double OpsPerSecond => Connections / Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Runs <paramref name="threads"/> workers for <paramref name="duration"/> (after a warm-up of each), each with
    /// its own descriptor table unless <paramref name="sharedTable"/>.
    /// </summary>
    internal static Outcome Sample(EpollApi api, int threads, TimeSpan duration, bool sharedTable = false)
    {
        var counts = new long[threads];
        bool stop = false;
        using var ready = new CountdownEvent(threads);
        using var go = new ManualResetEventSlim();
        Exception? failure = null;
        var workers = new Thread[threads];
        for (int i = 0; i < threads; i++)
        {
            int index = i;
            workers[i] = new Thread(() =>
            {
                try
                {
                    counts[index] = Worker(api, sharedTable, ready, go, ref stop);
                }
                catch (Exception e)
                {
                    failure = e;
                }
            })
            { IsBackground = true, Name = $"connrate {index}" };
            workers[i].Start();
        }
        ready.Wait();
        var clock = Stopwatch.StartNew();
        go.Set();
        Thread.Sleep(duration);
        Volatile.Write(ref stop, true);
        foreach (Thread w in workers) w.Join();
        TimeSpan elapsed = clock.Elapsed;
        if (failure is not null) throw new InvalidOperationException($"{Name} on {api.Name}: {failure.Message}", failure);
        return new Outcome(counts.Sum(), elapsed);
    }

    /// <summary>One worker: its own table (unless shared) and instance, a warm-up, then connections until <paramref name="stop"/>; returns the count.</summary>
    private static long Worker(EpollApi api, bool sharedTable, CountdownEvent ready, ManualResetEventSlim go, ref bool stop)
    {
        var events = new EpollEvent[1];
        int ep = -1;
        try
        {
            if (!sharedTable) api = api.ForWorkerProcess();
            ep = (int)EpollApi.Check(api.CreateEpoll(), "epoll_create");
            for (int i = 0; i < 64; i++) Connection(api, ep, events); // warm-up
        }
        finally
        {
            ready.Signal(); // also on failure, so the main thread never waits forever
        }
        try
        {
            go.Wait();
            long n = 0;
            while (!Volatile.Read(ref stop))
            {
                Connection(api, ep, events);
                n++;
            }
            return n;
        }
        finally
        {
            api.Close(ep);
        }
    }

    /// <summary>One connection: the file is closed while still registered, so its release path removes the item.</summary>
    private static void Connection(EpollApi api, int ep, EpollEvent[] events)
    {
        int fd = (int)EpollApi.Check(api.CreateEventFd(), "eventfd");
        EpollApi.Check(api.Ctl(ep, (int)EpollOp.Add, fd, EpollEvents.In, (ulong)fd), "ADD");
        EpollApi.Check(api.Signal(fd), "write");
        int n = (int)EpollApi.Check(api.Wait(ep, events, 1, -1), "epoll_wait");
        if (n != 1 || events[0].Data != (ulong)fd) throw new InvalidOperationException($"epoll_wait returned {n} events, data {events[0].Data}, expected fd {fd}");
        EpollApi.Check(api.Close(fd), "close");
    }
}

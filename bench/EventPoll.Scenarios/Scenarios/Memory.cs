using EventPoll.Scenarios.Api;
using EventPoll.Scenarios.Measurement;

namespace EventPoll.Scenarios.Scenarios;

/// <summary>
/// Memory per watch and per instance. The engine's figure is the managed heap's growth (GC.GetTotalMemory
/// after a full collection) when N already-open eventfds are added: the item, its wait-queue entry and its
/// slot in the interest set. The kernel's is the growth of /proc/meminfo's Slab counter for the same step
/// (epitem plus eppoll_entry); it is system-wide, so other activity adds a little noise.
/// </summary>
internal static class Memory
{
    internal const string Name = "memory";
    internal const string PerWatch = "bytes/watch", PerInstance = "bytes/instance";

    internal static ScenarioResult Run(BenchOptions options)
    {
        int watches = options.Scale(1_000_000, 1_000_000, 10_000);
        int instances = options.Scale(10_000, 10_000, 100);
        var result = new ScenarioResult(Name, $"Bytes per watch at {watches:N0} watches, bytes per instance ({instances:N0} instances)");
        Variant[] variants = Variants.Available(Variant.Product, Variant.Kernel);
        foreach (Variant v in variants)
        {
            int n = watches;
            if (v == Variant.Kernel)
            {
                n = Fanout.KernelLimit(watches);
                if (!File.Exists("/proc/meminfo") || n < 1_000)
                {
                    result.Notes.Add("kernel: skipped (no /proc/meminfo, or too few descriptors allowed)");
                    continue;
                }
                if (n < watches) result.Notes.Add($"kernel: measured at {n:N0} watches (RLIMIT_NOFILE {ResourceLimits.OpenFiles:N0} could not be raised); Slab is counted in pages, so small counts are coarse");
            }
            options.Report($"{Name}: {Variants.Label(v)} {n:N0} watches");
            double perWatch = v == Variant.Kernel ? KernelPerWatch(n) : EnginePerWatch(n);
            result.Rows.Add(new Row(Variants.Label(v), PerWatch, perWatch, Unit.Bytes, [perWatch]));
            options.Report($"{Name}: {Variants.Label(v)} {instances:N0} instances");
            double perInstance = v == Variant.Kernel ? KernelPerInstance(Math.Min(instances, n)) : EnginePerInstance(instances);
            result.Rows.Add(new Row(Variants.Label(v), PerInstance, perInstance, Unit.Bytes, [perInstance]));
        }
        result.ComputeRatios(before: null);
        return result;
    }

    internal static double EnginePerWatch(int n)
    {
        var api = new EngineApi("engine", EngineDesign.Default);
        int ep = (int)EpollApi.Check(api.CreateEpoll(), "epoll_create");
        var fds = new int[n];
        for (int i = 0; i < n; i++) fds[i] = (int)EpollApi.Check(api.CreateEventFd(), "eventfd");
        long before = GC.GetTotalMemory(forceFullCollection: true);
        for (int i = 0; i < n; i++) EpollApi.Check(api.Ctl(ep, (int)EpollOp.Add, fds[i], EpollEvents.In, (ulong)i), "ADD");
        long after = GC.GetTotalMemory(forceFullCollection: true);
        if (api.Account.Watches != n) throw new InvalidOperationException($"{api.Account.Watches} watches charged, expected {n}");
        api.Close(ep);
        foreach (int fd in fds) api.Close(fd);
        return (after - before) / (double)n;
    }

    internal static double EnginePerInstance(int n)
    {
        var account = new WatchAccount(long.MaxValue);
        var instances = new Eventpoll[n]; // allocated before the baseline: the array is not part of the cost
        long before = GC.GetTotalMemory(forceFullCollection: true);
        for (int i = 0; i < n; i++) instances[i] = new Eventpoll(account);
        long after = GC.GetTotalMemory(forceFullCollection: true);
        double perInstance = (after - before) / (double)n;
        foreach (Eventpoll ep in instances) ep.Release();
        return perInstance;
    }

    internal static double KernelPerWatch(int n)
    {
        var api = new KernelApi();
        int ep = (int)EpollApi.Check(api.CreateEpoll(), "epoll_create");
        var fds = new int[n];
        for (int i = 0; i < n; i++) fds[i] = (int)EpollApi.Check(api.CreateEventFd(), "eventfd");
        long before = SlabBytes();
        for (int i = 0; i < n; i++) EpollApi.Check(api.Ctl(ep, (int)EpollOp.Add, fds[i], EpollEvents.In, (ulong)i), "ADD");
        long after = SlabBytes();
        api.Close(ep);
        foreach (int fd in fds) api.Close(fd);
        return (after - before) / (double)n;
    }

    internal static double KernelPerInstance(int n)
    {
        var api = new KernelApi();
        var fds = new int[n];
        long before = SlabBytes();
        for (int i = 0; i < n; i++) fds[i] = (int)EpollApi.Check(api.CreateEpoll(), "epoll_create");
        long after = SlabBytes();
        foreach (int fd in fds) api.Close(fd);
        return (after - before) / (double)n;
    }

    /// <summary>The kernel's slab allocations, system-wide (/proc/meminfo "Slab:", in kB).</summary>
    private static long SlabBytes()
    {
        foreach (string line in File.ReadLines("/proc/meminfo"))
        {
            if (line.StartsWith("Slab:", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(5).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        throw new InvalidOperationException("/proc/meminfo has no Slab line");
    }
}

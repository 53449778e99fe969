using EventPoll.Scenarios.Api;
using EventPoll.Scenarios.Measurement;

namespace EventPoll.Scenarios.Scenarios;

/// <summary>
/// One ready item among N watched: a wait must cost the same whatever N is (only ready items are visited).
/// The kernel needs N eventfds, so its run raises RLIMIT_NOFILE where it may and stops at the largest N it
/// can open (noted in the result).
/// </summary>
internal static class Fanout
{
    internal const string Name = "fanout";
    internal static readonly int[] Sizes = [10, 1_000, 100_000, 1_000_000];

    internal static ScenarioResult Run(BenchOptions options)
    {
        var result = new ScenarioResult(Name, "One ready item among N watched: ns per wait");
        int[] sizes = options.Size == BenchSize.Tiny ? [10, 1_000] : Sizes;
        Variant[] variants = Variants.Available(Variant.Product, Variant.Kernel);
        int kernelMax = variants.Contains(Variant.Kernel) ? KernelLimit(sizes[^1]) : 0;
        if (kernelMax < sizes[^1] && kernelMax > sizes[0])
        {
            // The kernel cannot open N eventfds for the larger sizes: add the largest N it can, for both, so the
            // kernel's curve reaches as far as this machine allows and has an engine figure to compare with.
            sizes = [.. sizes.Append(kernelMax).Order().Distinct()];
            result.Notes.Add($"kernel: RLIMIT_NOFILE is {ResourceLimits.OpenFiles:N0} and could not be raised (no CAP_SYS_RESOURCE), so the kernel ran up to N={kernelMax:N0}");
        }
        foreach (int n in sizes)
        {
            foreach (Variant v in variants)
            {
                if (v == Variant.Kernel && n > kernelMax) continue;
                options.Report($"{Name}: N={n:N0} {Variants.Label(v)} (registering)");
                double[] samples = Sample(Variants.Create(v), n, options.SampleDuration, options.Repetitions,
                    r => options.Report($"{Name}: N={n:N0} {Variants.Label(v)} {Sampler.RepLabel(r, options.Repetitions)}"));
                result.Rows.Add(Row.FromSamples(Variants.Label(v), $"N={n}", Unit.NanosecondsPerOp, samples));
            }
        }
        result.ComputeRatios(before: null);
        return result;
    }

    /// <summary>The largest N (a multiple of 1,000) the kernel run can open eventfds for, after trying to raise RLIMIT_NOFILE to <paramref name="wanted"/>.</summary>
    internal static int KernelLimit(int wanted)
    {
        long limit = ResourceLimits.TryRaiseOpenFiles(wanted + 1024);
        if (limit >= wanted + 256) return wanted;
        return (int)Math.Max(0, (limit - 1024) / 1000 * 1000); // room for the runtime's own descriptors
    }

    /// <summary>
    /// Registers <paramref name="n"/> eventfds (level-triggered IN), signals the last one once, and times
    /// waits that each return exactly that one item. The samples share one setup (building a million
    /// watches takes longer than measuring them). Returns ns per wait for each repetition.
    /// </summary>
    internal static double[] Sample(EpollApi api, int n, TimeSpan duration, int repetitions, Action<int>? progress = null)
    {
        int ep = (int)EpollApi.Check(api.CreateEpoll(), "epoll_create");
        var fds = new List<int>(n);
        var events = new EpollEvent[64];
        try
        {
            for (int i = 0; i < n; i++)
            {
                fds.Add((int)EpollApi.Check(api.CreateEventFd(), "eventfd"));
                EpollApi.Check(api.Ctl(ep, (int)EpollOp.Add, fds[i], EpollEvents.In, (ulong)i), "ADD");
            }
            EpollApi.Check(api.Signal(fds[^1]), "write");
            var samples = new double[repetitions];
            for (int r = 0; r < repetitions; r++)
            {
                progress?.Invoke(r);
                samples[r] = 1e9 / Sampler.Throughput(() =>
                {
                    for (int i = 0; i < Sampler.BatchSize; i++)
                    {
                        int got = api.Wait(ep, events, events.Length, 0);
                        if (got != 1 || events[0].Data != (ulong)(n - 1)) throw new InvalidOperationException($"epoll_wait returned {got} events, expected the one ready item");
                    }
                }, duration);
            }
            return samples;
        }
        finally
        {
            api.Close(ep); // first, so the kernel's closes below need not unlink a million items one by one
            foreach (int fd in fds) api.Close(fd);
        }
    }
}

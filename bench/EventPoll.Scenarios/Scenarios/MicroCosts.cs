using EventPoll.Scenarios.Api;
using EventPoll.Scenarios.Measurement;

namespace EventPoll.Scenarios.Scenarios;

/// <summary>The per-operation costs the kernel's system-call path is compared with: signal+wait+consume and ADD+DEL.</summary>
internal static class MicroCosts
{
    internal const string Name = "micro";
    internal const string SignalWaitConsume = "signal+wait+consume", AddDel = "ADD+DEL";

    internal static ScenarioResult Run(BenchOptions options)
    {
        var result = new ScenarioResult(Name, "Per-operation cost on one thread (ns/op)");
        Variant[] variants = Variants.Available(Variant.Product, Variant.Kernel);
        foreach (string op in (string[])[SignalWaitConsume, AddDel])
        {
            result.AddInterleaved(options, op, Unit.NanosecondsPerOp, Variants.Labels(variants),
                e => Sample(Variants.Create(variants[e]), op, options.SampleDuration));
        }
        result.ComputeRatios(before: null);
        return result;
    }

    /// <summary>One sample: operations per second of <paramref name="op"/> on a fresh instance.</summary>
    internal static double Sample(EpollApi api, string op, TimeSpan duration)
    {
        int ep = (int)EpollApi.Check(api.CreateEpoll(), "epoll_create");
        int efd = (int)EpollApi.Check(api.CreateEventFd(), "eventfd");
        var events = new EpollEvent[8];
        try
        {
            if (op == SignalWaitConsume)
            {
                EpollApi.Check(api.Ctl(ep, (int)EpollOp.Add, efd, EpollEvents.In, 1), "ADD");
                return Sampler.Throughput(() => SignalWaitConsumeBatch(api, ep, efd, events), duration);
            }
            return Sampler.Throughput(() => AddDelBatch(api, ep, efd), duration);
        }
        finally
        {
            api.Close(efd);
            api.Close(ep);
        }
    }

    private static void SignalWaitConsumeBatch(EpollApi api, int ep, int efd, EpollEvent[] events)
    {
        for (int i = 0; i < Sampler.BatchSize; i++)
        {
            EpollApi.Check(api.Signal(efd), "write");
            if (api.Wait(ep, events, events.Length, 0) != 1) throw new InvalidOperationException("epoll_wait did not return the signalled eventfd");
            EpollApi.Check(api.Consume(efd), "read");
        }
    }

    private static void AddDelBatch(EpollApi api, int ep, int efd)
    {
        for (int i = 0; i < Sampler.BatchSize; i++)
        {
            EpollApi.Check(api.Ctl(ep, (int)EpollOp.Add, efd, EpollEvents.In, 2), "ADD");
            EpollApi.Check(api.Ctl(ep, (int)EpollOp.Del, efd, EpollEvents.In, 0), "DEL");
        }
    }
}

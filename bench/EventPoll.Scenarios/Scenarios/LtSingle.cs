using EventPoll.Scenarios.Api;
using EventPoll.Scenarios.Measurement;

namespace EventPoll.Scenarios.Scenarios;

/// <summary>
/// The case wfcqueue regressed on (Wong: "regressions for the common, single threaded, Level Trigger use
/// case"): one thread, 64 always-ready level-triggered eventfds, wait(maxevents 64) in a loop. Every wait
/// re-polls and re-queues all 64 items, so the cost is the ready list's per-item overhead.
/// </summary>
internal static class LtSingle
{
    internal const string Name = "lt-single";
    internal const int Items = 64;

    internal static ScenarioResult Run(BenchOptions options)
    {
        var result = new ScenarioResult(Name, $"One thread, {Items} always-ready LT items, wait(maxevents {Items}): waits per second");
        Variant[] variants = Variants.Available(Variant.Product, Variant.LockedReadyList, Variant.Kernel);
        // Both designs do the same per-item work here, so the ratio sits near 1 and its bar leaves a 5% margin:
        // many short pairs keep the sample noise of this machine well inside it.
        result.AddInterleaved(options, "", Unit.OpsPerSecond, Variants.Labels(variants),
            e => Sample(Variants.Create(variants[e]), options.PairedSampleDuration), repetitions: options.PairedRepetitions);
        result.ComputeRatios(Variants.Label(Variant.LockedReadyList));
        return result;
    }

    /// <summary>Waits per second on a fresh instance with <see cref="Items"/> signalled eventfds.</summary>
    internal static double Sample(EpollApi api, TimeSpan duration)
    {
        int ep = (int)EpollApi.Check(api.CreateEpoll(), "epoll_create");
        var fds = new int[Items];
        for (int i = 0; i < Items; i++)
        {
            fds[i] = (int)EpollApi.Check(api.CreateEventFd(), "eventfd");
            EpollApi.Check(api.Ctl(ep, (int)EpollOp.Add, fds[i], EpollEvents.In, (ulong)i), "ADD");
            EpollApi.Check(api.Signal(fds[i]), "write"); // never read: the item stays ready
        }
        var events = new EpollEvent[Items];
        try
        {
            return Sampler.Throughput(() =>
            {
                for (int i = 0; i < Sampler.BatchSize; i++)
                {
                    int n = api.Wait(ep, events, Items, 0);
                    if (n != Items) throw new InvalidOperationException($"epoll_wait returned {n}, expected {Items}");
                }
            }, duration);
        }
        finally
        {
            foreach (int fd in fds) api.Close(fd);
            api.Close(ep);
        }
    }
}

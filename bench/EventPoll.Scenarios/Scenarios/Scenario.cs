using EventPoll.Scenarios.Measurement;

namespace EventPoll.Scenarios.Scenarios;

/// <summary>
/// A named scenario: what <c>eventpoll bench NAME</c> runs. <see cref="Prepare"/>, where there is one, gets what the
/// scenario needs before any scenario of the run measures (<see cref="Reporting.BenchRun.Prepare"/>; it throws
/// <see cref="BenchSetupException"/> if it cannot), so a run never fails for want of a tool after minutes of measuring.
/// A scenario not <see cref="InDefaultRun"/> runs only when named.
/// </summary>
internal sealed record Scenario(string Name, string Summary, Func<BenchOptions, ScenarioResult> Run)
{
    internal Action<BenchOptions>? Prepare { get; init; }

    internal bool InDefaultRun { get; init; } = true;
}

/// <summary>Every scenario, in the order a full run takes them (and the issues list them).</summary>
internal static class ScenarioCatalog
{
    internal static IReadOnlyList<Scenario> All { get; } =
    [
        new(MicroCosts.Name, "signal+wait+consume and ADD+DEL on one thread (ns/op)", MicroCosts.Run),
        new(ConnRate.Name, "T threads, own instance each: create eventfd, ADD, signal, wait, close without DEL", ConnRate.Run),
        new(OneShot.Name, "eponeshotmt: waiters wait 1 event, read, re-arm with MOD; writers signal every eventfd", OneShot.Run),
        new(LtSingle.Name, "one thread, 64 always-ready level-triggered items, wait(maxevents 64)", LtSingle.Run),
        new(Fanout.Name, "one ready item among N watched: time per wait", Fanout.Run),
        new(Memory.Name, "bytes per watch at N watches, bytes per instance", Memory.Run),
        new(Alloc.Name, "GC bytes allocated per steady-state operation", Alloc.Run),
        new(Alternatives.Name, "Task.WhenAny and Channel<T> versus Epoll.WaitAsync, one of N sources signalled per round", Alternatives.Run),
        new(OsDescriptors.Name, "OS eventfds: EventPoll vs raw system calls and vs a poller-thread design; wakeup latency; a mixed instance's system calls", OsDescriptors.Run),
        // Named only: it installs wrk and nginx with apt-get when they are missing, and its full form loads servers for ~9 minutes.
        new(HttpScenario.Name, "EventPoll's HTTP server vs nginx and Kestrel under wrk: one request per connection and keep-alive, unpinned and pinned", HttpScenario.Run)
        {
            Prepare = HttpScenario.Prepare,
            InDefaultRun = false,
        },
    ];

    /// <summary>What <c>eventpoll bench</c> runs when no scenario is named.</summary>
    internal static IReadOnlyList<Scenario> Default { get; } = [.. All.Where(s => s.InDefaultRun)];

    internal static Scenario? Find(string name) => All.FirstOrDefault(s => s.Name == name);
}

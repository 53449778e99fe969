using EventPoll.Scenarios.Measurement;

namespace EventPoll.Scenarios.Scenarios;

/// <summary>A named scenario: what <c>eventpoll bench NAME</c> runs.</summary>
internal sealed record Scenario(string Name, string Summary, Func<BenchOptions, ScenarioResult> Run);

/// <summary>Every scenario, in the order a full run takes them (and the issue lists them).</summary>
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
    ];

    internal static Scenario? Find(string name) => All.FirstOrDefault(s => s.Name == name);
}

namespace EventPoll.Trace;

/// <summary>
/// A backend held against the reference (the kernel): its name in reports, a fresh one per trace given the trace's
/// placement seed (only the mixed backend uses it), and whether the mixed rule judges it (<see cref="MixedJudge"/>).
/// </summary>
internal sealed record Contender(string Name, Func<int, ITraceBackend> Create, bool UnderMixedRule = false)
{
    /// <summary>The engine alone.</summary>
    internal static Contender Managed { get; } = new("managed", _ => new ManagedBackend());

    /// <summary>Engine instances, every source in the OS.</summary>
    internal static Contender Os { get; } = new("os", _ => OsBackend.AllOs());

    /// <summary>Engine instances, sources on both sides, under the mixed rule.</summary>
    internal static Contender Mixed { get; } = new("mixed", OsBackend.Mixed, UnderMixedRule: true);

    /// <summary>Every contender, in the order reports list them.</summary>
    internal static IReadOnlyList<Contender> All { get; } = [Managed, Os, Mixed];
}

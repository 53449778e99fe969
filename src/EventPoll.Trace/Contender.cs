namespace EventPoll.Trace;

/// <summary>
/// A backend held against the reference (the kernel): its name in reports, a fresh one per trace given the trace's
/// placement seed (only the mixed backend uses it), whether the mixed rule judges it (<see cref="MixedJudge"/>), and
/// whether its instances make kernel sides (<see cref="HoldsKernelSides"/>).
/// </summary>
/// <remarks>
/// <see cref="HoldsKernelSides"/>: an instance's kernel side holds its signal eventfd, which the kernel counts as a leaf
/// of the wakeup-path limits (docs/os-descriptors.md), so such a backend refuses some watchers of an instance past
/// 10 to 500 of them that Linux accepts. The fuzzer keeps its fans small when one is among the contenders.
/// </remarks>
internal sealed record Contender(string Name, Func<int, ITraceBackend> Create, bool UnderMixedRule = false, bool HoldsKernelSides = false)
{
    /// <summary>The engine alone.</summary>
    internal static Contender Managed { get; } = new("managed", _ => new ManagedBackend());

    /// <summary>Engine instances, every source in the OS.</summary>
    internal static Contender Os { get; } = new("os", _ => OsBackend.AllOs(), HoldsKernelSides: true);

    /// <summary>Engine instances, sources on both sides, under the mixed rule.</summary>
    internal static Contender Mixed { get; } = new("mixed", OsBackend.Mixed, UnderMixedRule: true, HoldsKernelSides: true);

    /// <summary>Every contender, in the order reports list them.</summary>
    internal static IReadOnlyList<Contender> All { get; } = [Managed, Os, Mixed];
}

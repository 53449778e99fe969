using EventPoll.Trace;

namespace EventPoll.Cli;

/// <summary>The reference backend of <c>trace</c> and <c>fuzz</c> (the contenders are <see cref="Contender.All"/>).</summary>
internal static class Backends
{
    /// <summary>A fresh kernel backend per trace, so each trace starts with no descriptors of its own.</summary>
    internal static ITraceBackend Kernel() => new KernelBackend();
}

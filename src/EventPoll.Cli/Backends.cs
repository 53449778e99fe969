using EventPoll.Trace;

namespace EventPoll.Cli;

/// <summary>The backends the CLI can run traces on, by the name used with <c>--backend</c>.</summary>
internal static class Backends
{
    /// <summary>A fresh kernel backend per trace, so each trace starts with no descriptors of its own.</summary>
    internal static ITraceBackend Kernel() => new KernelBackend();

    /// <summary>A fresh managed backend per trace: the EventPoll engine behind its POSIX-style facade.</summary>
    internal static ITraceBackend Managed() => new ManagedBackend();
}

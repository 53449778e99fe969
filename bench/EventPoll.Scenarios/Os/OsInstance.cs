using Microsoft.Win32.SafeHandles;

namespace EventPoll.Scenarios.Os;

/// <summary>An instance watching OS descriptors, in one of the <see cref="OsDesign"/>s: what the os scenario drives.</summary>
/// <remarks>
/// Every design's <see cref="Add"/>, <see cref="Delete"/> and <see cref="Wait"/> is kept out of line, so each is one
/// virtual call from the workloads. Their call sites are shared by the designs, and dynamic PGO otherwise inlined
/// whichever design its profile happened to favour into the workload, sparing that one design the frames a system
/// call returns through (each costs a mispredicted return after a system call on this host, ~6 ns): a per-process
/// coin flip worth several percent of a 620 ns wait, in either design's favour.
/// </remarks>
internal abstract class OsInstance : IDisposable
{
    /// <summary>The EventPoll instance in-process sources join, or null where there is none (the plain kernel).</summary>
    internal abstract Epoll? InProcess { get; }

    internal abstract void Add(SafeFileHandle os, EpollEvents events, ulong data);

    internal abstract void Delete(SafeFileHandle os);

    /// <summary>Waits for events (<paramref name="timeoutMs"/> negative: no timeout); returns how many.</summary>
    internal abstract int Wait(Span<EpollEvent> events, int timeoutMs);

    public abstract void Dispose();
}

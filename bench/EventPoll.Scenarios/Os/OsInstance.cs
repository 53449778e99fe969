using Microsoft.Win32.SafeHandles;

namespace EventPoll.Scenarios.Os;

/// <summary>An instance watching OS descriptors, in one of the <see cref="OsDesign"/>s: what the os scenario drives.</summary>
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

namespace EventPoll;

/// <summary>
/// Which design an instance runs: the product's (both false), or one of the "before" designs the seed patches
/// replaced, kept only so the benchmarks can show each seed's effect side by side in one process.
/// </summary>
/// <param name="LockedReadyList">The kernel's ep->lock before Eric Wong's wfcqueue series, instead of the
/// wait-free queue: every wakeup callback runs under it (even for a disabled ONESHOT item), queueing and waking
/// the waiter there, and the consumer takes it to splice.</param>
/// <param name="GlobalClosePathLock">Both close paths (an instance's and a watched file's) serialise on one
/// process-wide lock, as they did on epmutex before the v6.4 refcount patch.</param>
internal sealed record EngineDesign(bool LockedReadyList = false, bool GlobalClosePathLock = false)
{
    /// <summary>The product design.</summary>
    internal static EngineDesign Default { get; } = new();

    /// <summary>The process-wide lock of <see cref="GlobalClosePathLock"/> (Linux before 6.4: epmutex).</summary>
    private static readonly ShortLock s_closePathLock = new();

    /// <summary>Enters a close path: takes the process-wide lock in the "before" design, nothing otherwise.</summary>
    internal ClosePathScope EnterClosePath()
    {
        if (GlobalClosePathLock) s_closePathLock.Enter();
        return new ClosePathScope(GlobalClosePathLock);
    }

    internal readonly ref struct ClosePathScope(bool locked)
    {
        public void Dispose()
        {
            if (locked) s_closePathLock.Exit();
        }
    }
}

namespace EventPoll.Tests.Support;

/// <summary>Reaches the engine objects behind descriptors, for tests that check engine state.</summary>
internal static class EngineAccess
{
    /// <summary>The file behind <paramref name="fd"/> (the temporary pin is dropped again), or null when it is not open.</summary>
    internal static OpenFile? FileAt(DescriptorTable table, int fd)
    {
        OpenFile? file = table.Pin(fd);
        file?.Release();
        return file;
    }

    /// <summary>The instance behind an <see cref="Epoll"/> handle.</summary>
    internal static Eventpoll Instance(Epoll epoll) => (Eventpoll)FileAt(epoll.Table, epoll.Fd)!;

    /// <summary>
    /// <see cref="Eventpoll.LiveInstances"/> once the finalizers of everything already unreachable have run. An
    /// <see cref="Epoll"/> handle another test dropped without Dispose closes its instance on the finalizer thread,
    /// which would move the process-wide count in the middle of a test that compares against this baseline.
    /// </summary>
    internal static long QuiescedLiveInstances()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return Eventpoll.LiveInstances;
    }
}

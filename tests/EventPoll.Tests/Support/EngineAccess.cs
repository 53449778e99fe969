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
}

namespace EventPoll;

/// <summary>
/// The unit of padding between data written by one thread and data read by others: on x86-64 and arm64 a cache line
/// is 64 bytes, and a write by one processor takes the whole line away from every other processor's cache.
/// </summary>
internal static class CacheLine
{
    internal const int Size = 64;
}

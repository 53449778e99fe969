namespace EventPoll.Reactor;

/// <summary>
/// A loop's own pool of equal-sized byte arrays (loop thread only, so no lock, unlike ArrayPool.Shared's per-core
/// stacks): a connection holds one only while it has a partial request or blocked output, so the pool stays as large
/// as the most connections that were ever in that state at once, and steady state allocates nothing.
/// </summary>
internal sealed class BufferPool(int size)
{
    private readonly Stack<byte[]> _free = new();

    /// <summary>The length of every buffer.</summary>
    internal int Size { get; } = size;

    internal byte[] Rent() => _free.TryPop(out byte[]? buffer) ? buffer : new byte[Size];

    internal void Return(byte[] buffer)
    {
        // Stryker disable once Statement,String : a removed Debug.Assert (or its message)
        System.Diagnostics.Debug.Assert(buffer.Length == Size, "only this pool's buffers come back to it");
        _free.Push(buffer);
    }
}

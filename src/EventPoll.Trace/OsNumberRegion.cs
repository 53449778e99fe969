namespace EventPoll.Trace;

/// <summary>
/// A block of the process's descriptor numbers where one <see cref="OsBackend"/> keeps its OS descriptors, apart from
/// every other live backend's (os and mixed run side by side in one process). Blocks of <see cref="Size"/> numbers start
/// at half the process's limit (at most 2^16), far above the numbers the runtime and the kernel backend take, lowest
/// first; disposing gives the block back.
/// </summary>
internal sealed class OsNumberRegion : IDisposable
{
    private static readonly Lock s_lock = new();
    private static readonly HashSet<int> s_taken = []; // under s_lock: the indexes of the blocks in use

    // Initialised in this order: each uses the ones before it.
    private static readonly int s_limit = DescriptorTable.DefaultLimit();
    private static readonly int s_first = Math.Min(s_limit / 2, 1 << 16);
    private static readonly int s_size = Math.Min(1024, (s_limit - s_first) / 4);
    private static readonly int s_blocks = s_size == 0 ? 0 : (s_limit - s_first) / s_size;

    private readonly int _index;

    /// <summary>
    /// Numbers a block holds, and so how many descriptors a trace may hold at once on these backends: 1024, or fewer
    /// where the process's limit leaves less room (a quarter of the room above the first block each).
    /// </summary>
    internal static int Size => s_size;

    /// <summary>Takes the lowest free block.</summary>
    internal OsNumberRegion()
    {
        using (s_lock.EnterScope())
        {
            while (s_taken.Contains(_index)) _index++;
            if (_index >= s_blocks) throw new InvalidOperationException($"no room for another {s_size} descriptor numbers below the process's limit");
            s_taken.Add(_index);
        }
    }

    /// <summary>The block's first number.</summary>
    internal int Base => s_first + (_index * s_size);

    public void Dispose()
    {
        using (s_lock.EnterScope()) s_taken.Remove(_index);
    }
}

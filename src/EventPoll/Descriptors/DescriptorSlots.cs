namespace EventPoll;

/// <summary>
/// A descriptor table's slots (Linux: fdtable->fd): the open file at each descriptor number below
/// <see cref="Capacity"/>, laid out so that neighbouring numbers live on different cache lines. A view of the array the
/// table holds; the table publishes a grown one (<see cref="Grown"/>) and serialises writes.
/// </summary>
/// <remarks>
/// <para>Why: numbers are handed out lowest free first, so threads sharing a table use neighbouring numbers (two
/// threads each opening and closing one descriptor take 2 and 3 over and over). In a plain array those slots share
/// a 64-byte line, and each install or close by one thread takes the line from under the other's lookups. So
/// numbers are grouped in chunks of 64, eight lines of eight references, and inside a chunk number
/// 8 * line + position is stored at 8 * position + line (a transposition): numbers 0-7 sit on eight different lines,
/// 8-15 beside them on the same eight lines, and so on. Which number a call gets is the table's business and does
/// not change; only where its slot lives does. Slots 64 bytes apart are on different lines wherever the array
/// starts, so this holds without aligning the array.</para>
/// <para>A lookup also reads the array's length, so the first slot starts past the line that holds it (the object the
/// heap put before the array may still share that line; a padded wrapper object in front measured no better).</para>
/// <para>Cost on one thread, where no line is shared: the index arithmetic adds ~1.3 ns to a lookup (Dup2(fd, fd):
/// 6.7 ns against 5.4 ns, minimum of 25 runs), and connrate at T=1 takes ~5% more CPU per connection.</para>
/// </remarks>
internal readonly struct DescriptorSlots(OpenFile?[] files)
{
    /// <summary>Numbers per chunk: eight lines of eight references (64-bit).</summary>
    internal const int ChunkSize = 64;

    private const int LineShift = 3; // log2 of the references per line
    private const int PositionMask = (1 << LineShift) - 1;

    // An array's length sits 8 bytes into the object and its elements start at 16: seven unused slots in front put
    // the first real one 72 bytes in, past the end of any 64-byte line that holds the length. DescriptorTable.MaxLimit
    // numbers and these seven make exactly Array.MaxLength.
    internal const int HeadPadding = 7;

    /// <summary>The array: <see cref="HeadPadding"/> unused slots, then whole chunks.</summary>
    internal OpenFile?[] Files { get; } = files;

    /// <summary>The numbers below this have a slot: a multiple of <see cref="ChunkSize"/>.</summary>
    internal int Capacity => Files.Length - HeadPadding;

    /// <summary>Empty slots for the numbers below <paramref name="capacity"/> rounded up to a whole chunk.</summary>
    internal static DescriptorSlots Empty(int capacity) => new(new OpenFile?[HeadPadding + RoundUpToChunk(capacity)]);

    /// <summary>The file at <paramref name="fd"/>, or null when none is installed or the number is out of range. Lock-free.</summary>
    internal OpenFile? this[int fd] => (uint)fd < (uint)Capacity ? Volatile.Read(ref Files[IndexOf(fd)]) : null;

    /// <summary>Installs or clears the file at <paramref name="fd"/> (below <see cref="Capacity"/>) in one store a lock-free reader sees whole.</summary>
    internal void Store(int fd, OpenFile? file) => Volatile.Write(ref Files[IndexOf(fd)], file);

    /// <summary>A copy with room for the numbers below <paramref name="capacity"/> (at least <see cref="Capacity"/>).</summary>
    internal DescriptorSlots Grown(int capacity)
    {
        DescriptorSlots grown = Empty(Math.Max(capacity, Capacity));
        // The permutation works inside a chunk, so a number's index does not depend on the capacity: copy as is.
        Array.Copy(Files, grown.Files, Files.Length);
        return grown;
    }

    /// <summary><paramref name="count"/> rounded up to a whole chunk (no overflow up to DescriptorTable.MaxLimit).</summary>
    internal static int RoundUpToChunk(int count) => (count + ChunkSize - 1) & ~(ChunkSize - 1);

    /// <summary>Where <paramref name="fd"/>'s slot lives in the array (internal for the layout's tests).</summary>
    internal static int IndexOf(int fd)
    {
        int inChunk = fd & (ChunkSize - 1);
        int transposed = ((inChunk & PositionMask) << LineShift) | (inChunk >> LineShift);
        return HeadPadding + (fd & ~(ChunkSize - 1)) + transposed;
    }
}

using System.Runtime.InteropServices;

namespace EventPoll;

/// <summary>
/// A descriptor table's slots (Linux: fdtable->fd): the open file at each descriptor number below
/// <see cref="Capacity"/>, laid out so that neighbouring numbers live on different cache lines.
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
/// <para>A lookup also reads this object's fields and the array's length (its bounds check), so those are kept off
/// lines anything writes: the fields have a line of padding in front (the object before this one on the heap is
/// arbitrary), the array is allocated right behind them, its first slot starts past the line that holds its
/// length, and a line of unused slots follows the last one (the next object on the heap is arbitrary too).</para>
/// <para>Immutable but for the slots: growing makes a new one (<see cref="Grown"/>). The owner serialises writes.</para>
/// </remarks>
internal sealed class DescriptorSlots
{
    /// <summary>Numbers per chunk: eight lines of eight references (64-bit).</summary>
    internal const int ChunkSize = 64;

    private const int LineShift = 3; // log2 of the references per line
    private const int PositionMask = (1 << LineShift) - 1;

    // An array's length sits 8 bytes into the object and its elements start at 16: seven unused slots in front put
    // the first real one 72 bytes in, past the end of any 64-byte line that holds the length.
    internal const int HeadPadding = 7;
    private const int TailPadding = 8;

    private readonly Fields _fields;

    /// <summary>Empty slots for the numbers below <paramref name="capacity"/> rounded up to a whole chunk.</summary>
    internal DescriptorSlots(int capacity)
    {
        capacity = RoundUpToChunk(capacity);
        // Only a table of DescriptorTable.MaxLimit numbers would not fit its tail padding in an array.
        var files = new OpenFile?[(int)Math.Min((long)HeadPadding + capacity + TailPadding, Array.MaxLength)];
        _fields = new Fields(files, capacity);
    }

    /// <summary>The numbers below this have a slot: a multiple of <see cref="ChunkSize"/>.</summary>
    internal int Capacity => _fields.Capacity;

    /// <summary>The file at <paramref name="fd"/>, or null when none is installed or the number is out of range. Lock-free.</summary>
    internal OpenFile? this[int fd] =>
        (uint)fd < (uint)_fields.Capacity ? Volatile.Read(ref _fields.Files[IndexOf(fd)]) : null;

    /// <summary>Installs or clears the file at <paramref name="fd"/> (below <see cref="Capacity"/>) in one store a lock-free reader sees whole.</summary>
    internal void Store(int fd, OpenFile? file) => Volatile.Write(ref _fields.Files[IndexOf(fd)], file);

    /// <summary>A copy with room for the numbers below <paramref name="capacity"/> (at least <see cref="Capacity"/>).</summary>
    internal DescriptorSlots Grown(int capacity)
    {
        var grown = new DescriptorSlots(Math.Max(capacity, Capacity));
        // The permutation works inside a chunk, so a number's index does not depend on the capacity: copy as is.
        Array.Copy(_fields.Files, HeadPadding, grown._fields.Files, HeadPadding, Capacity);
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

    /// <summary>The fields lookups read, one line of padding in front of them.</summary>
    [StructLayout(LayoutKind.Explicit, Size = CacheLine.Size + 16)]
    private readonly struct Fields(OpenFile?[] files, int capacity)
    {
        [FieldOffset(CacheLine.Size)] public readonly OpenFile?[] Files = files;
        [FieldOffset(CacheLine.Size + 8)] public readonly int Capacity = capacity;
    }
}

using System.Runtime.CompilerServices;

namespace EventPoll;

/// <summary>
/// Wakeup counters for threads parked on objects that cannot host a futex word themselves (they live on the
/// moving GC heap): each object maps to one of a fixed set of pinned words. A waker bumps its object's word and
/// wakes every thread parked on that word; a parker samples the word before it checks its condition and sleeps
/// only while the word is unchanged (an event count). Objects that share a word only cause spurious wakeups.
/// </summary>
internal static unsafe class ParkingLot
{
    private const int Stripes = 256;
    private const int WordsPerLine = 16; // one word per 64-byte line, so stripes do not share cache lines

    private static readonly int[] s_words = Futex.AllocateWords(Stripes * WordsPerLine);
    private static readonly int* s_base = Futex.AddressOf(s_words);

    /// <summary>The wakeup counter <paramref name="owner"/> parks on.</summary>
    internal static int* WordFor(object owner) =>
        s_base + (uint)RuntimeHelpers.GetHashCode(owner) % Stripes * WordsPerLine;
}

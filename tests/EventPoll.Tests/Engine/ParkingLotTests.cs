using System.Reflection;
using Xunit;

namespace EventPoll.Tests.Engine;

/// <summary>
/// Where <see cref="ParkingLot.WordFor"/> points: into its pinned array of words (white-box: the private array), one
/// word per 64-byte cache line, objects spread over the stripes.
/// </summary>
public sealed unsafe class ParkingLotTests
{
    private const int Objects = 4096, LineBytes = 64;

    private static readonly int[] s_words = (int[])typeof(ParkingLot).GetField("s_words", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;

    [Fact]
    public void WordFor_EveryObjectsWord_LiesInsideTheWordArray()
    {
        nuint start = (nuint)Futex.AddressOf(s_words), last = start + (nuint)(s_words.Length - 1) * sizeof(int);
        for (int i = 0; i < Objects; i++)
        {
            nuint word = (nuint)ParkingLot.WordFor(new object());
            Assert.InRange(word, start, last);
        }
    }

    [Fact]
    public void WordFor_GivesEachStripeAWordOnItsOwnCacheLine()
    {
        // Words a whole number of lines apart never share a line. 4,096 objects with random hash codes over the
        // 256 stripes reach nearly all of them; fewer than half would mean the stripes collapsed.
        nuint start = (nuint)Futex.AddressOf(s_words);
        var offsets = new HashSet<nuint>();
        for (int i = 0; i < Objects; i++)
        {
            nuint offset = (nuint)ParkingLot.WordFor(new object()) - start;
            Assert.Equal(0u, offset % LineBytes);
            offsets.Add(offset);
        }
        Assert.True(offsets.Count > 128, $"{Objects} objects used only {offsets.Count} words");
    }
}

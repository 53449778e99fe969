using Xunit;

namespace EventPoll.Tests.Engine;

/// <summary>
/// The slots' layout (<see cref="DescriptorSlots"/>): neighbouring numbers on different cache lines, every number its
/// own slot. The table's numbering on top of it is <see cref="DescriptorTableLayoutTests"/>.
/// </summary>
public class DescriptorSlotsTests
{
    private const int ReferencesPerLine = CacheLine.Size / 8;
    private const int Chunks = 3;

    [Fact]
    public void EightNeighbouringNumbers_AreAtLeastALineApart()
    {
        for (int first = 0; first < Chunks * DescriptorSlots.ChunkSize; first += ReferencesPerLine)
        {
            for (int a = first; a < first + ReferencesPerLine; a++)
            {
                for (int b = a + 1; b < first + ReferencesPerLine; b++)
                {
                    int distance = Math.Abs(DescriptorSlots.IndexOf(a) - DescriptorSlots.IndexOf(b));
                    Assert.True(distance >= ReferencesPerLine, $"numbers {a} and {b} are {distance} slots apart");
                }
            }
        }
    }

    [Fact]
    public void EveryNumber_HasItsOwnSlot_InsideItsChunk_BehindTheHeadPadding()
    {
        var seen = new HashSet<int>();
        for (int fd = 0; fd < Chunks * DescriptorSlots.ChunkSize; fd++)
        {
            int index = DescriptorSlots.IndexOf(fd) - DescriptorSlots.HeadPadding;
            Assert.Equal(fd / DescriptorSlots.ChunkSize, index / DescriptorSlots.ChunkSize);
            Assert.True(seen.Add(index), $"number {fd} shares slot {index}");
        }
        Assert.Equal(Chunks * DescriptorSlots.ChunkSize, seen.Count);
        Assert.Equal(0, seen.Min());
    }

    [Fact]
    public void TheLargestNumber_FitsItsArray()
    {
        Assert.True(DescriptorSlots.HeadPadding + DescriptorTable.MaxLimit <= Array.MaxLength); // the largest array can be made
        Assert.True(DescriptorSlots.IndexOf(DescriptorTable.MaxLimit - 1) < DescriptorSlots.HeadPadding + DescriptorTable.MaxLimit);
        Assert.Equal(DescriptorTable.MaxLimit, DescriptorSlots.RoundUpToChunk(DescriptorTable.MaxLimit));
        Assert.Equal(DescriptorTable.MaxLimit, DescriptorSlots.RoundUpToChunk(DescriptorTable.MaxLimit - 63));
    }

    [Fact]
    public void Capacity_IsRoundedUpToAChunk_AndGrowingKeepsEverySlot()
    {
        DescriptorSlots slots = DescriptorSlots.Empty(65);
        Assert.Equal(2 * DescriptorSlots.ChunkSize, slots.Capacity);
        var files = new OpenFile[slots.Capacity];
        for (int fd = 0; fd < files.Length; fd++)
        {
            files[fd] = new EventFdFile(0, semaphore: false);
            slots.Store(fd, files[fd]);
        }

        DescriptorSlots grown = slots.Grown(300);
        Assert.Equal(5 * DescriptorSlots.ChunkSize, grown.Capacity);
        for (int fd = 0; fd < files.Length; fd++) Assert.Same(files[fd], grown[fd]);
        for (int fd = files.Length; fd < grown.Capacity; fd++) Assert.Null(grown[fd]);
        Assert.Null(grown[grown.Capacity]);
        Assert.Null(grown[-1]);
    }
}

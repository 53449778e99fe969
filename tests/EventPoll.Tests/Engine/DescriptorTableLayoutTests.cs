using Xunit;

namespace EventPoll.Tests.Engine;

/// <summary>
/// POSIX numbering over the permuted slots (<see cref="DescriptorSlots"/>): the numbers handed out, the files looked
/// up and the limits are those of a plain array, across chunk boundaries, growth and dup2 to high numbers.
/// </summary>
public class DescriptorTableLayoutTests
{
    private const int Chunk = DescriptorSlots.ChunkSize;

    private static EventFdFile NewFile() => new(0, semaphore: false);

    /// <summary>The file at <paramref name="fd"/> (null if none), without keeping the pin.</summary>
    private static OpenFile? At(DescriptorTable table, int fd)
    {
        OpenFile? file = table.Pin(fd);
        file?.Release();
        return file;
    }

    [Fact]
    public void NumbersAcrossChunkBoundaries_AreLowestFirst_AndEachLooksUpItsOwnFile()
    {
        var table = new DescriptorTable(DescriptorTable.MaxLimit);
        var files = new OpenFile[3 * Chunk + 5]; // grows twice, past 64 and past 128
        for (int fd = 0; fd < files.Length; fd++)
        {
            files[fd] = NewFile();
            Assert.Equal(fd, table.Install(files[fd]));
        }
        for (int fd = 0; fd < files.Length; fd++) Assert.Same(files[fd], At(table, fd));
        Assert.Null(At(table, files.Length));
        Assert.Equal(Enumerable.Range(0, files.Length), table.OpenDescriptors());
        Assert.Equal(files.Length, table.Count);
    }

    [Fact]
    public void ClosedNumbersSharingASlotLine_AreRefilledLowestFirst()
    {
        var table = new DescriptorTable(DescriptorTable.MaxLimit);
        for (int fd = 0; fd < Chunk + 8; fd++) Assert.Equal(fd, table.Install(NewFile()));
        // 1, 9 and 17 are neighbours in memory (a chunk's slots 8, 9 and 10: one line), 65 is 1's place in the next
        // chunk, and 8 is on another line: closed in any order, they come back lowest first.
        foreach (int fd in new[] { 65, 17, 1, 9, 8 }) Assert.Equal(0, table.Close(fd));
        Assert.Equal(Chunk + 3, table.Count);
        foreach (int expected in new[] { 1, 8, 9, 17, 65, Chunk + 8 }) Assert.Equal(expected, table.Install(NewFile()));
    }

    [Fact]
    public void Dup2BeyondTheSize_GrowsToTheNumber_AndLeavesLowerNumbersFree()
    {
        var table = new DescriptorTable(DescriptorTable.MaxLimit);
        OpenFile file = NewFile();
        Assert.Equal(0, table.Install(file));
        foreach (int high in new[] { 1000, Chunk - 1, Chunk, 2 * Chunk - 1, 2 * Chunk }) Assert.Equal(high, table.Dup2(0, high));
        Assert.Equal([0, Chunk - 1, Chunk, 2 * Chunk - 1, 2 * Chunk, 1000], table.OpenDescriptors());
        Assert.Same(file, At(table, 1000));
        Assert.Same(file, At(table, Chunk));
        Assert.Null(At(table, 1001));
        Assert.Null(At(table, 999));
        Assert.Equal(1, table.Dup(0));
        Assert.Equal(Chunk + 1, table.Dup(0, minFd: Chunk));

        Assert.Equal(0, table.Close(1000));
        Assert.Null(At(table, 1000));
        Assert.Equal(-(int)Errno.EBADF, table.Close(1000));
        Assert.Equal(1000, table.Dup(0, minFd: 1000));
    }

    [Fact]
    public void ALimitInsideAChunk_HandsOutExactlyTheNumbersBelowIt()
    {
        const int limit = Chunk + 6;
        var table = new DescriptorTable(limit);
        for (int fd = 0; fd < limit; fd++) Assert.Equal(fd, table.Install(NewFile()));
        Assert.Equal(-(int)Errno.EMFILE, table.Install(NewFile()));
        Assert.Equal(-(int)Errno.EMFILE, table.Dup(0));
        Assert.Equal(-(int)Errno.EBADF, table.Dup2(0, limit));
        Assert.Equal(limit - 1, table.Dup2(0, limit - 1));
        Assert.Same(At(table, 0), At(table, limit - 1));

        Assert.Equal(0, table.Close(Chunk + 1));
        Assert.Equal(Chunk + 1, table.Install(NewFile()));
        Assert.Equal(limit, table.Count);
    }

    [Fact]
    public void ALimitLoweredBelowGrownSlots_KeepsThemOpen_AndRefusesOnlyNewNumbersAboveIt()
    {
        var table = new DescriptorTable(DescriptorTable.MaxLimit);
        for (int fd = 0; fd < Chunk + 10; fd++) Assert.Equal(fd, table.Install(NewFile()));
        table.Limit = 10;
        Assert.NotNull(At(table, Chunk + 9));
        Assert.Equal(0, table.Close(Chunk + 2));
        Assert.Equal(-(int)Errno.EMFILE, table.Install(NewFile())); // Chunk + 2 is free but above the limit
        Assert.Equal(0, table.Close(5));
        Assert.Equal(5, table.Install(NewFile()));
        Assert.Equal(-(int)Errno.EBADF, table.Dup2(0, Chunk + 9)); // open, but a new number there is above the limit
    }

    [Fact]
    public void FdInfo_NamesAWatchedHighNumber()
    {
        var px = new Posix(new DescriptorTable(DescriptorTable.MaxLimit));
        int ep = px.EpollCreate1(0);
        int fd = px.EventFd(0, 0);
        int high = 2 * Chunk + 3;
        Assert.Equal(high, px.Dup2(fd, high));
        Assert.Equal(0, px.EpollCtl(ep, 1, high, new EpollEvent(EpollEvents.In, 7)));
        Assert.Contains($"tfd: {high,8} ", px.FdInfo(ep), StringComparison.Ordinal);
    }
}

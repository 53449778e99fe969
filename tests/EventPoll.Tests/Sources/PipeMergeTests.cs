using Xunit;

namespace EventPoll.Tests.Sources;

/// <summary>
/// Linux's pipe_write merges the size modulo a page into the last page when it fits there (so a small write is never
/// split): the merged bytes must be the ones written, in order, behind what the page already held.
/// </summary>
public class PipeMergeTests
{
    [Fact]
    public void SmallWritesMergedIntoTheLastPage_ReadBackAsWritten()
    {
        var (r, w) = PipeBuffer.Create();
        byte[] first = Filled(10, 1), second = Filled(3, 2), third = Filled(4097, 3); // third: 1 byte merged, then a page
        foreach (byte[] data in new[] { first, second, third }) Assert.Equal(data.Length, w.Write(data));

        Assert.Equal([.. first, .. second, .. third], ReadAll(r, first.Length + second.Length + third.Length));
    }

    [Fact]
    public void WriteMergedBehindAPartlyReadPage_ReadBackAsWritten()
    {
        var (r, w) = PipeBuffer.Create();
        Assert.Equal(100, w.Write(Filled(100, 7)));
        Assert.Equal(60, r.Read(new byte[60])); // the page now starts 60 bytes in
        Assert.Equal(20, w.Write(Filled(20, 8)));

        Assert.Equal([.. Filled(100, 7)[60..], .. Filled(20, 8)], ReadAll(r, 60));
    }

    /// <summary><paramref name="count"/> bytes of a pattern that differs from a fresh page's zeros and from itself shifted.</summary>
    private static byte[] Filled(int count, byte seed) => [.. Enumerable.Range(0, count).Select(i => (byte)(seed + i % 251 + 1))];

    private static byte[] ReadAll(PipeReadEnd r, int expected)
    {
        byte[] buffer = new byte[expected + 1];
        Assert.Equal(expected, r.Read(buffer));
        return buffer[..expected];
    }
}

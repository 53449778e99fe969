using EventPoll;
using Xunit;

namespace EventPoll.Tests.Sources;

public class RegularFileTests
{
    [Fact]
    public void RegularFile_CannotBePolled()
    {
        var f = new RegularFile();
        Assert.False(f.CanPoll);
        Assert.NotEqual(f.Inode, new RegularFile().Inode);
        Assert.Equal(InodeNumbers.RegularFsDevice, f.DeviceId);
    }

    [Fact]
    public void RegularFile_ReadAndWrite_AdvancePosition()
    {
        var f = new RegularFile([1, 2, 3]);
        byte[] buf = new byte[2];
        Assert.Equal(2, f.Read(buf));
        Assert.Equal(2, f.Position);
        Assert.Equal(2, f.Write(new byte[] { 9, 9 }));
        Assert.Equal(4, f.Position);
        Assert.Equal(new byte[] { 1, 2, 9, 9 }, f.Content);
        Assert.Equal(0, f.Read(buf)); // at end of file
    }
}

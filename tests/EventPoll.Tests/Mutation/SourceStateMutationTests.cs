using EventPoll.Tests.Rules;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// Source behaviours mutation testing found unpinned: each test names the state it checks and fails on the mutant
/// noted beside it.
/// </summary>
public class SourceStateMutationTests
{
    private readonly World _w = new();

    // UnixStreamSocket.Shutdown: `_shutdown |= mode` and `peer._shutdown |= peerMode` turned into ^= undo a repeated shutdown.
    [Fact]
    public void ShuttingDownWritingTwice_LeavesItShutDown_OnBothEnds()
    {
        (SocketHandle a, SocketHandle b) = UnixSocketPair.Create(_w.Table);
        using (a)
        using (b)
        {
            a.Shutdown(SocketShutdown.Write);
            a.Shutdown(SocketShutdown.Write);
            Assert.Equal(Errno.EPIPE, Assert.Throws<EpollException>(() => a.Write("x"u8)).Errno);
            // b's receive side stays shut: a read of the empty stream is end of file (0), not EAGAIN.
            Assert.Equal(0, b.Read(new byte[1]));
        }
    }

    // RegularFile.Read: without its copy, a read returns the count of bytes but not the bytes.
    [Fact]
    public void AMemoryFileRead_ReturnsTheFilesBytes()
    {
        using var file = new MemoryFile("hello"u8, _w.Table);
        var buffer = new byte[8];
        Assert.Equal(5, file.Read(buffer));
        Assert.Equal("hello"u8.ToArray(), buffer[..5]);
    }
}

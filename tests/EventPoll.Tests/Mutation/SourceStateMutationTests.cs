using EventPoll.Tests.Rules;
using EventPoll.Tests.Support;
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
        using var pair = new SocketPair(_w.Table);
        pair.A.Shutdown(SocketShutdown.Write);
        pair.A.Shutdown(SocketShutdown.Write);
        Assert.Equal(Errno.EPIPE, Assert.Throws<EpollException>(() => pair.A.Write("x"u8)).Errno);
        // B's receive side stays shut: a read of the empty stream is end of file (0), not EAGAIN.
        Assert.Equal(0, pair.B.Read(new byte[1]));
    }

    // `_shutdown |= mode` to ^= on this end alone: a second SHUT_WR stays invisible (the write's EPIPE comes from the
    // peer's receive side), a second SHUT_RD does not: this end's reads must still see end of file.
    [Fact]
    public void ShuttingDownReadingTwice_LeavesThisEndsReadsAtEndOfFile()
    {
        using var pair = new SocketPair(_w.Table);
        pair.A.Shutdown(SocketShutdown.Read);
        pair.A.Shutdown(SocketShutdown.Read);
        Assert.Equal(0, pair.A.Read(new byte[1]));
    }

    // RegularFile.Write's refusal past Array.MaxLength had no coverage: 2 GiB of writes would reach it, so the test
    // puts the file position there by reflection (no seek exists) and writes one byte.
    [Fact]
    public void AWritePastTheLargestFileSize_IsEinval_SayingSo_AndWritesNothing()
    {
        var file = new RegularFile("ab"u8);
        typeof(RegularFile).GetField("_position", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .SetValue(file, (long)Array.MaxLength);
        Assert.Equal(-(long)Errno.EINVAL, file.Write("x"u8));
        Assert.Equal("the write would grow the file past its largest size", Failure.Take(Errno.EINVAL));
        Assert.Equal("ab"u8.ToArray(), file.Content.ToArray());
        file.Release();
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

    // TimerFdFile.Ticks (fdinfo's ticks): with its getter's body removed it reads 0 whatever expired.
    [Fact]
    public void AnExpiredOneShotTimer_HoldsOneTick_UntilRead()
    {
        using var epoll = new Epoll(_w.Table, _w.Account);
        using var timer = new TimerFd(_w.Table);
        epoll.Add(timer, EpollEvents.In);
        timer.SetTime(TimeSpan.FromMilliseconds(1));
        var events = new EpollEvent[1];
        Assert.Equal(1, epoll.Wait(events, timeoutMs: 10_000)); // the bound fails the test if the expiry never comes
        var file = (TimerFdFile)EngineAccess.FileAt(_w.Table, timer.Fd)!;
        Assert.Equal(1ul, file.Ticks);
        Assert.True(timer.TryConsume(out ulong expirations));
        Assert.Equal(1ul, expirations);
        Assert.Equal(0ul, file.Ticks);
    }
}

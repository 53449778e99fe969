using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The descriptor table's refusals (Descriptors/DescriptorTable.cs): a call that pinned a file and then refuses must
/// drop the pin, or the file outlives its last close (a pipe's reader never sees its writer go); and the EMFILE
/// sentence a handle carries. Each test fails on the mutant noted beside it.
/// </summary>
public class DescriptorTableMutationTests
{
    private const int Limit = 8;

    private readonly Posix _px = new(new DescriptorTable(Limit));

    /// <summary>A pipe of <see cref="_px"/>: its read end and its write end.</summary>
    private (int Reader, int Writer) NewPipe()
    {
        Span<int> fds = stackalloc int[2];
        Assert.Equal(0, _px.Pipe2(fds, 0));
        return (fds[0], fds[1]);
    }

    /// <summary>Closes <paramref name="writer"/>, the pipe's only write descriptor, and asserts the reader sees it gone.</summary>
    private void AssertClosingTheWriterReachesTheReader(int reader, int writer)
    {
        Assert.Equal(0, _px.Close(writer));
        Assert.Equal(EpollEvents.Hup, _px.PollNow(reader, EpollEvents.In));
        Assert.Equal(0, _px.Read(reader, new byte[8])); // end of file: a pin left behind would keep the writer and answer EAGAIN
    }

    /// <summary>
    /// Asks <paramref name="call"/> to put a pipe's write end at -1 and at the limit, asserts both refusals carry
    /// <paramref name="errno"/>, then that the pipe's reader still sees the writer's last close.
    /// </summary>
    private void AssertRefusalsOutsideTheLimitDropTheirPins(Errno errno, Func<int, int, int> call)
    {
        (int reader, int writer) = NewPipe();
        foreach (int number in (int[])[-1, Limit])
        {
            Assert.Equal(-1, call(writer, number));
            Assert.Equal(errno, Posix.Errno);
        }
        AssertClosingTheWriterReachesTheReader(reader, writer);
    }

    // Dup: `file.Release()` removed from the EINVAL path (minFd outside 0..limit-1).
    [Fact]
    public void AnFDupFdRefusedWithEinval_DropsItsPin_SoTheLastCloseStillReachesThePeer()
        => AssertRefusalsOutsideTheLimitDropTheirPins(Errno.EINVAL, _px.FcntlDupFd);

    // Dup2: `file.Release()` removed from the EBADF path (newFd outside 0..limit-1).
    [Fact]
    public void ADup2RefusedWithEbadf_DropsItsPin_SoTheLastCloseStillReachesThePeer()
        => AssertRefusalsOutsideTheLimitDropTheirPins(Errno.EBADF, _px.Dup2);

    // Dup2: `newFd < 0` turned into `newFd <= 0` refuses descriptor 0, the lowest valid number.
    [Fact]
    public void Dup2OntoDescriptorZero_ReplacesWhatWasThere()
    {
        Assert.Equal(0, _px.EventFd(0, 0));
        (int reader, int writer) = NewPipe();
        Assert.Equal(0, _px.Dup2(writer, 0));
        Assert.Equal(3, _px.Write(0, "abc"u8));
        Assert.Equal(3, _px.Read(reader, new byte[8]));
        Assert.Equal(0, _px.Close(writer));
        AssertClosingTheWriterReachesTheReader(reader, 0);
    }

    // InstallPair: `first.Release()` or `second.Release()` removed from the EMFILE path.
    [Fact]
    public void APairRefusedForWantOfNumbers_ReleasesBothOfItsFiles()
    {
        var table = new DescriptorTable(limit: 1);
        var first = new FakeFile();
        var second = new FakeFile();
        Assert.Equal(-(int)Errno.EMFILE, table.InstallPair(first, second, stackalloc int[2]));
        Assert.True(first.IsReleased);
        Assert.True(second.IsReleased);
        Assert.Empty(table.OpenDescriptors());
    }

    // Full: the EMFILE sentence emptied.
    [Fact]
    public void ADupOnAFullTable_SaysNoNumberBelowTheLimitIsFree()
    {
        var table = new DescriptorTable(limit: 1);
        using var e = new EventFd(table: table);
        Refusal.Assert(Errno.EMFILE, $"EMFILE: no descriptor number below the table's limit (1) is free (dup, fd {e.Fd})",
            () => e.Duplicate());
        Refusal.Assert(Errno.EMFILE, "EMFILE: no descriptor number below the table's limit (1) is free (pipe2)",
            () => Pipe.Create(table));
    }
}

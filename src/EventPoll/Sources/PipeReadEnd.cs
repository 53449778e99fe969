namespace EventPoll;

/// <summary>The read end of a pipe (the O_RDONLY file of pipe2).</summary>
internal sealed class PipeReadEnd : OpenFile
{
    internal PipeReadEnd(PipeBuffer pipe) => Pipe = pipe;

    internal PipeBuffer Pipe { get; }

    internal override ulong Inode => Pipe.Inode;

    internal override uint DeviceId => InodeNumbers.PipeFsDevice;

    public override EpollEvents Poll(PollTable? table) => Pipe.PollRead(table);

    /// <inheritdoc />
    // Stryker disable once Boolean : false only makes ctl defer releases this poll never makes (a performance flag)
    internal override bool PollReleasesNothing => true;

    internal override long Read(Span<byte> buffer) => Pipe.Read(buffer);

    // Linux: a write on an O_RDONLY file fails in vfs_write before reaching the pipe.
    internal override long Write(ReadOnlySpan<byte> data) => Failure.Of(Errno.EBADF, "the descriptor is not open for writing: it is a pipe's read end");

    protected override void OnRelease() => Pipe.ReleaseEnd(reader: true);
}

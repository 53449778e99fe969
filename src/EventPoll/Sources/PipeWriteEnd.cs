namespace EventPoll;

/// <summary>The write end of a pipe (the O_WRONLY file of pipe2).</summary>
internal sealed class PipeWriteEnd : OpenFile
{
    internal PipeWriteEnd(PipeBuffer pipe) => Pipe = pipe;

    internal PipeBuffer Pipe { get; }

    internal override ulong Inode => Pipe.Inode;

    internal override uint DeviceId => InodeNumbers.PipeFsDevice;

    public override EpollEvents Poll(PollTable? table) => Pipe.PollWrite(table);

    /// <inheritdoc />
    // Stryker disable once Boolean : false only makes ctl defer releases this poll never makes (a performance flag)
    internal override bool PollReleasesNothing => true;

    // Linux: a read on an O_WRONLY file fails in vfs_read before reaching the pipe.
    internal override long Read(Span<byte> buffer) => Failure.Of(Errno.EBADF, "the descriptor is not open for reading: it is a pipe's write end");

    internal override long Write(ReadOnlySpan<byte> data) => Pipe.Write(data);

    protected override void OnRelease() => Pipe.ReleaseEnd(reader: false);
}

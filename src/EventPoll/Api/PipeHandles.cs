namespace EventPoll;

/// <summary>Creates pipes: 64 KiB of buffer as 16 page slots, with Linux's readiness and PIPE_BUF atomicity.</summary>
public static class Pipe
{
    /// <summary>Creates a pipe and returns its read and write ends.</summary>
    public static (DescriptorHandle Reader, DescriptorHandle Writer) Create(DescriptorTable? table = null)
    {
        table ??= DescriptorTable.Default;
        (PipeReadEnd read, PipeWriteEnd write) = PipeBuffer.Create();
        Span<int> fds = stackalloc int[2];
        EpollException.Check(table.InstallPair(read, write, fds), "pipe2", -1);
        return (new DescriptorHandle(table, fds[0]), new DescriptorHandle(table, fds[1]));
    }
}

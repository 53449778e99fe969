namespace EventPoll;

/// <summary>A regular (in-memory) file: readable and writable, but it cannot be polled, so epoll refuses it with EPERM.</summary>
public sealed class MemoryFile : FileHandle
{
    /// <summary>Creates a file holding <paramref name="content"/>.</summary>
    public MemoryFile(ReadOnlySpan<byte> content = default, DescriptorTable? table = null)
        : base(table ?? DescriptorTable.Default, Install(table ?? DescriptorTable.Default, new RegularFile(content), "open")) { }
}

namespace EventPoll;

/// <summary>
/// An open descriptor in a <see cref="DescriptorTable"/>: the idiomatic face of an int descriptor. Disposing
/// it closes the descriptor (the file itself lives on while other descriptors refer to it, as with close(2)).
/// </summary>
public abstract class FileHandle : IDisposable
{
    private int _closed;

    /// <summary>Wraps descriptor <paramref name="fd"/> of <paramref name="table"/>.</summary>
    private protected FileHandle(DescriptorTable table, int fd)
    {
        Table = table;
        Fd = fd;
    }

    /// <summary>The table the descriptor lives in.</summary>
    public DescriptorTable Table { get; }

    /// <summary>The descriptor number.</summary>
    public int Fd { get; }

    /// <summary>Whether <see cref="Dispose()"/> has closed the descriptor.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Installs a new file and returns its descriptor, throwing EMFILE when the table is full.</summary>
    private protected static int Install(DescriptorTable table, OpenFile file) => (int)EpollException.Check(table.Install(file));

    /// <summary>Duplicates the descriptor (dup(2)): a new number for the same open file.</summary>
    public DescriptorHandle Duplicate() => new(Table, (int)EpollException.Check(Table.Dup(Fd)));

    /// <summary>The descriptor's readiness now (poll(2) with a zero timeout), masked to <paramref name="requested"/> plus ERR, HUP and NVAL.</summary>
    public EpollEvents Poll(EpollEvents requested = EpollEvents.In | EpollEvents.Pri | EpollEvents.Out | EpollEvents.RdHup
        | EpollEvents.RdNorm | EpollEvents.RdBand | EpollEvents.WrNorm | EpollEvents.WrBand)
        => Syscalls.PollNow(Table, Fd, requested);

    /// <summary>Reads up to <paramref name="buffer"/>.Length bytes; returns the count (0 at end of file). Throws EAGAIN when nothing is there.</summary>
    public int Read(Span<byte> buffer) => (int)EpollException.Check(Syscalls.Read(Table, Fd, buffer));

    /// <summary>Writes <paramref name="data"/>; returns the bytes written (possibly fewer). Throws EAGAIN when nothing fits.</summary>
    public int Write(ReadOnlySpan<byte> data) => (int)EpollException.Check(Syscalls.Write(Table, Fd, data));

    /// <summary>Reads like <see cref="Read"/> but returns false instead of throwing EAGAIN.</summary>
    public bool TryRead(Span<byte> buffer, out int bytesRead) => TryComplete(Syscalls.Read(Table, Fd, buffer), out bytesRead);

    /// <summary>Writes like <see cref="Write"/> but returns false instead of throwing EAGAIN.</summary>
    public bool TryWrite(ReadOnlySpan<byte> data, out int bytesWritten) => TryComplete(Syscalls.Write(Table, Fd, data), out bytesWritten);

    private static bool TryComplete(long result, out int count)
    {
        count = 0;
        if (result == -(long)Errno.EAGAIN) return false;
        count = (int)EpollException.Check(result);
        return true;
    }

    /// <summary>Closes the descriptor (once).</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Closes the descriptor if <paramref name="disposing"/>; descriptors are not closed by finalizers.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _closed, 1) == 0) Table.Close(Fd);
    }

    /// <inheritdoc />
    public override string ToString() => $"{GetType().Name}(fd {Fd})";
}

/// <summary>A descriptor of any kind, such as one made by <see cref="FileHandle.Duplicate"/>.</summary>
public sealed class DescriptorHandle : FileHandle
{
    /// <summary>Wraps an open descriptor of <paramref name="table"/> (taking over closing it).</summary>
    public DescriptorHandle(DescriptorTable table, int fd) : base(table, fd)
    {
        ArgumentNullException.ThrowIfNull(table);
    }
}

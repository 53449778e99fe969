namespace EventPoll;

/// <summary>
/// An open descriptor in a <see cref="DescriptorTable"/>: the idiomatic face of an int descriptor. Disposing
/// it closes the descriptor (the file itself lives on while other descriptors refer to it, as with close(2)).
/// </summary>
/// <remarks>
/// <para>A handle keeps <see cref="System.Runtime.InteropServices.SafeHandle"/>'s contract, implemented here
/// rather than inherited: every call on a disposed handle throws <see cref="ObjectDisposedException"/>; a call
/// in flight holds a reference, so a concurrent <see cref="Dispose()"/> closes the descriptor only after the
/// last such call returns (its number can never be reused under it); and a handle collected without Dispose
/// is closed by its finalizer, which releases the file's watches like close(2). It does not derive from
/// SafeHandle because its number is not an operating-system descriptor: a SafeHandle is marshalled to native
/// code as the OS handle it wraps, and passing an engine descriptor there would act on whatever OS descriptor
/// has that number.</para>
/// <para>Mixing faces is the caller's business, as in C: closing a handle's number through <see cref="Posix"/>
/// leaves the handle naming a number that may be reused.</para>
/// </remarks>
public abstract class FileHandle : IDisposable
{
    // SafeHandle's state word: the count of references in the upper bits, Closed in the lowest. The handle's own
    // reference is taken when construction succeeds (0 means it never did) and dropped by Dispose; each call adds
    // one for its duration. Whoever drops the count to zero with Closed set closes the descriptor, exactly once.
    // Changed only with interlocked operations.
    private int _state;
    private const int Closed = 1, OneRef = 2;

    /// <summary>Wraps descriptor <paramref name="fd"/> of <paramref name="table"/>, taking over closing it.</summary>
    private protected FileHandle(DescriptorTable table, int fd)
    {
        ArgumentNullException.ThrowIfNull(table);
        Table = table;
        Fd = fd;
        Volatile.Write(ref _state, OneRef);
    }

    /// <summary>Closes the descriptor of a handle that was never disposed.</summary>
    // Stryker disable once Boolean : no Dispose(bool) reads disposing: the descriptor is all a handle frees, either way
    ~FileHandle() => Dispose(false);

    /// <summary>The table the descriptor lives in.</summary>
    public DescriptorTable Table { get; }

    /// <summary>The descriptor number. It stays readable after Dispose, but then names nothing of this handle's.</summary>
    public int Fd { get; }

    /// <summary>Whether <see cref="Dispose()"/> (or finalization) has been asked to close the descriptor.</summary>
    public bool IsClosed => (Volatile.Read(ref _state) & Closed) != 0;

    /// <summary>Installs a new file and returns its descriptor, throwing EMFILE when the table is full.</summary>
    private protected static int Install(DescriptorTable table, OpenFile file, string call)
        => (int)EpollException.Check(table.Install(file), call, -1); // every caller passes a table (or the default)

    /// <summary>Duplicates the descriptor (dup(2)): a new number for the same open file.</summary>
    public DescriptorHandle Duplicate()
    {
        using Use use = Enter();
        return new DescriptorHandle(Table, (int)EpollException.Check(Table.Dup(Fd), "dup", Fd));
    }

    /// <summary>The descriptor's readiness now (poll(2) with a zero timeout), masked to <paramref name="requested"/> plus ERR, HUP and NVAL.</summary>
    public EpollEvents Poll(EpollEvents requested = EpollEvents.In | EpollEvents.Pri | EpollEvents.Out | EpollEvents.RdHup
        | EpollEvents.RdNorm | EpollEvents.RdBand | EpollEvents.WrNorm | EpollEvents.WrBand)
    {
        using Use use = Enter();
        return Syscalls.PollNow(Table, Fd, requested);
    }

    /// <summary>Reads up to <paramref name="buffer"/>.Length bytes; returns the count (0 at end of file). Throws EAGAIN when nothing is there.</summary>
    public int Read(Span<byte> buffer)
    {
        using Use use = Enter();
        return (int)EpollException.Check(Syscalls.Read(Table, Fd, buffer), "read", Fd);
    }

    /// <summary>Writes <paramref name="data"/>; returns the bytes written (possibly fewer). Throws EAGAIN when nothing fits.</summary>
    public int Write(ReadOnlySpan<byte> data)
    {
        using Use use = Enter();
        return (int)EpollException.Check(Syscalls.Write(Table, Fd, data), "write", Fd);
    }

    /// <summary>Reads like <see cref="Read"/> but returns false instead of throwing EAGAIN.</summary>
    public bool TryRead(Span<byte> buffer, out int bytesRead)
    {
        using Use use = Enter();
        return TryComplete(Syscalls.Read(Table, Fd, buffer), "read", out bytesRead);
    }

    /// <summary>Writes like <see cref="Write"/> but returns false instead of throwing EAGAIN.</summary>
    public bool TryWrite(ReadOnlySpan<byte> data, out int bytesWritten)
    {
        using Use use = Enter();
        return TryComplete(Syscalls.Write(Table, Fd, data), "write", out bytesWritten);
    }

    private bool TryComplete(long result, string call, out int count)
    {
        count = 0;
        if (result == -(long)Errno.EAGAIN) return false;
        count = (int)EpollException.Check(result, call, Fd);
        return true;
    }

    /// <summary>Closes the descriptor (once): at once, or when the last call in flight on this handle returns.</summary>
    public void Dispose()
    {
        // Stryker disable once Boolean : no Dispose(bool) reads disposing: the descriptor is all a handle frees, either way
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Marks the handle closed and drops its own reference (from <see cref="Dispose()"/>, or from the finalizer when
    /// <paramref name="disposing"/> is false); the descriptor closes when no call holds the handle any more. A
    /// derived handle that must end calls in flight (an <see cref="Epoll"/>'s waits) overrides this and calls it.
    /// </summary>
    protected virtual void Dispose(bool disposing)
    {
        int prior = Interlocked.Or(ref _state, Closed);
        if (prior == 0 || (prior & Closed) != 0) return; // never constructed, or closed before
        Exit();
    }

    /// <summary>
    /// Takes a reference for one call (SafeHandle.DangerousAddRef), throwing <see cref="ObjectDisposedException"/>
    /// once the handle is closed; disposing the returned value drops it.
    /// </summary>
    internal Use Enter()
    {
        int state = Volatile.Read(ref _state);
        while (true)
        {
            if ((state & Closed) != 0 || state == 0) throw new ObjectDisposedException(ToString());
            int seen = Interlocked.CompareExchange(ref _state, state + OneRef, state);
            if (seen == state) return new Use(this);
            state = seen;
        }
    }

    /// <summary>Drops a reference (SafeHandle.DangerousRelease); the last one after Dispose closes the descriptor.</summary>
    private void Exit()
    {
        if (Interlocked.Add(ref _state, -OneRef) == Closed) Table.Close(Fd);
    }

    /// <summary>A call's reference to its handle, dropped when disposed.</summary>
    internal readonly ref struct Use(FileHandle handle)
    {
        public void Dispose() => handle.Exit();
    }

    /// <inheritdoc />
    public override string ToString() => $"{GetType().Name}(fd {Fd})";
}

/// <summary>A descriptor of any kind, such as one made by <see cref="FileHandle.Duplicate"/> or <see cref="Open"/>.</summary>
public sealed class DescriptorHandle : FileHandle
{
    /// <summary>Wraps an open descriptor of <paramref name="table"/> (taking over closing it).</summary>
    public DescriptorHandle(DescriptorTable table, int fd) : base(table, fd) { }

    /// <summary>
    /// Installs <paramref name="file"/>, a source of your own (see <see cref="OpenFile"/>), at the lowest free number of
    /// <paramref name="table"/> (default: <see cref="DescriptorTable.Default"/>) and returns its handle, which an
    /// <see cref="Epoll"/> can watch. The descriptor takes over the file's creation reference: each file is opened once
    /// (a second open throws <see cref="InvalidOperationException"/>; use <see cref="FileHandle.Duplicate"/> for more
    /// descriptors), and closing its last descriptor releases it. Throws EMFILE when the table is full, and the file is
    /// released then too.
    /// </summary>
    public static DescriptorHandle Open(OpenFile file, DescriptorTable? table = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!file.ClaimForOpen()) throw new InvalidOperationException($"{file.GetType().Name} was opened before; duplicate its descriptor instead");
        table ??= DescriptorTable.Default;
        return new DescriptorHandle(table, Install(table, file, "open"));
    }
}

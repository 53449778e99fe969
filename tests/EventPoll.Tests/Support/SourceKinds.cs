using System.Runtime.InteropServices;
using EventPoll.Interop;

namespace EventPoll.Tests.Support;

/// <summary>The two kinds of watched source (issue 14): in-process files of a table, and the process's OS descriptors.</summary>
public enum SourceKind
{
    /// <summary>Files of a <see cref="DescriptorTable"/>, registered through <see cref="FileHandle"/>s.</summary>
    InProcess,

    /// <summary>OS descriptors, registered through <see cref="SafeHandle"/>s in the instance's kernel side.</summary>
    Os,
}

/// <summary>
/// One end of a source of either kind, as the tests use it: the same calls, the same errnos (EAGAIN as
/// <see cref="EpollException"/>), so a test written against it runs unchanged with both kinds.
/// </summary>
public abstract class SourceEnd : IDisposable
{
    /// <summary>EPOLL_CTL_ADD of this end into <paramref name="ep"/>.</summary>
    public abstract void AddTo(Epoll ep, EpollEvents events, ulong data = 0);

    /// <summary>EPOLL_CTL_MOD of this end's registration in <paramref name="ep"/>.</summary>
    public abstract void ModifyIn(Epoll ep, EpollEvents events, ulong data = 0);

    /// <summary>EPOLL_CTL_DEL of this end from <paramref name="ep"/>.</summary>
    public abstract void DeleteFrom(Epoll ep);

    /// <summary>write(2); EAGAIN throws.</summary>
    public abstract int Write(ReadOnlySpan<byte> data);

    /// <summary>read(2); false on EAGAIN.</summary>
    public abstract bool TryRead(Span<byte> buffer, out int bytesRead);

    /// <summary>read(2); EAGAIN throws.</summary>
    public int Read(Span<byte> buffer) => TryRead(buffer, out int n) ? n : throw new EpollException(Errno.EAGAIN, "nothing to read");

    /// <summary>shutdown(2) of a socket end.</summary>
    public abstract void Shutdown(SocketShutdown how);

    /// <summary>Adds to an eventfd's counter; EAGAIN throws.</summary>
    public void Signal(ulong value = 1)
    {
        Span<byte> bytes = stackalloc byte[8];
        BitConverter.TryWriteBytes(bytes, value);
        Write(bytes);
    }

    /// <summary>Reads an eventfd's counter; EAGAIN throws.</summary>
    public ulong Consume() => TryConsume(out ulong value) ? value : throw new EpollException(Errno.EAGAIN, "the counter is 0");

    /// <summary>Reads an eventfd's counter; false when it is 0.</summary>
    public bool TryConsume(out ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        bool ok = TryRead(bytes, out _);
        value = ok ? BitConverter.ToUInt64(bytes) : 0;
        return ok;
    }

    /// <summary>dup(2): another descriptor of the same open file, of the same kind.</summary>
    public abstract SourceEnd Duplicate();

    /// <summary>Closes this end (the registration goes with the last descriptor of the file).</summary>
    public abstract void Dispose();

    /// <summary>Makes sources of one kind.</summary>
    public static ISourceFactory Factory(SourceKind kind) => kind == SourceKind.Os ? OsSources.Instance : InProcessSources.Instance;

    /// <summary>An in-process end: a handle of a table.</summary>
    private sealed class InProcessEnd(FileHandle handle) : SourceEnd
    {
        public override void AddTo(Epoll ep, EpollEvents events, ulong data = 0) => ep.Add(handle, events, data);

        public override void ModifyIn(Epoll ep, EpollEvents events, ulong data = 0) => ep.Modify(handle, events, data);

        public override void DeleteFrom(Epoll ep) => ep.Delete(handle);

        public override int Write(ReadOnlySpan<byte> data) => handle.Write(data);

        public override bool TryRead(Span<byte> buffer, out int bytesRead) => handle.TryRead(buffer, out bytesRead);

        public override void Shutdown(SocketShutdown how) => ((SocketHandle)handle).Shutdown(how);

        public override SourceEnd Duplicate() => new InProcessEnd(handle.Duplicate());

        public override void Dispose() => handle.Dispose();

        public override string ToString() => handle.ToString();
    }

    /// <summary>
    /// An OS end: a SafeHandle of the process's descriptor, and the object that owns it when that is not the handle
    /// itself (a <see cref="System.Net.Sockets.Socket"/>, whose finalizer would close the descriptor under the test
    /// once the socket object became unreachable, and the number could then be reused by another test).
    /// </summary>
    private sealed class OsEnd(SafeHandle handle, IDisposable? owner = null) : SourceEnd
    {
        private int Fd => (int)handle.DangerousGetHandle();

        public override void AddTo(Epoll ep, EpollEvents events, ulong data = 0) => ep.Add(handle, events, data);

        public override void ModifyIn(Epoll ep, EpollEvents events, ulong data = 0) => ep.Modify(handle, events, data);

        public override void DeleteFrom(Epoll ep) => ep.Delete(handle);

        public override int Write(ReadOnlySpan<byte> data) => (int)EpollException.Check(LinuxSyscalls.Write(Fd, data), "write", Fd);

        public override bool TryRead(Span<byte> buffer, out int bytesRead)
        {
            long n = LinuxSyscalls.Read(Fd, buffer);
            bytesRead = (int)Math.Max(n, 0);
            if (n == -(int)Errno.EAGAIN) return false;
            EpollException.Check(n, "read", Fd);
            return true;
        }

        public override void Shutdown(SocketShutdown how) => EpollException.Check(LinuxSyscalls.Shutdown(Fd, (int)how), "shutdown", Fd);

        public override SourceEnd Duplicate() => new OsEnd(Os.OsFd.Dup(handle));

        public override void Dispose()
        {
            owner?.Dispose();
            handle.Dispose();
        }

        public override string ToString() => $"OS fd {Fd}";
    }

    private sealed class InProcessSources : ISourceFactory
    {
        internal static readonly InProcessSources Instance = new();

        public SourceKind Kind => SourceKind.InProcess;

        public (SourceEnd A, SourceEnd B) SocketPair(DescriptorTable table)
        {
            (SocketHandle a, SocketHandle b) = UnixSocketPair.Create(table);
            return (new InProcessEnd(a), new InProcessEnd(b));
        }

        public (SourceEnd Reader, SourceEnd Writer) Pipe(DescriptorTable table)
        {
            (DescriptorHandle r, DescriptorHandle w) = EventPoll.Pipe.Create(table);
            return (new InProcessEnd(r), new InProcessEnd(w));
        }

        public SourceEnd EventFd(DescriptorTable table, uint initial = 0) => new InProcessEnd(new EventFd(initial, table: table));
    }

    private sealed class OsSources : ISourceFactory
    {
        internal static readonly OsSources Instance = new();

        public SourceKind Kind => SourceKind.Os;

        public (SourceEnd A, SourceEnd B) SocketPair(DescriptorTable table)
        {
            (System.Net.Sockets.Socket a, System.Net.Sockets.Socket b) = Os.OsFd.SocketPair();
            return (new OsEnd(a.SafeHandle, a), new OsEnd(b.SafeHandle, b));
        }

        public (SourceEnd Reader, SourceEnd Writer) Pipe(DescriptorTable table)
        {
            (Microsoft.Win32.SafeHandles.SafeFileHandle r, Microsoft.Win32.SafeHandles.SafeFileHandle w) = Os.OsFd.Pipe();
            return (new OsEnd(r), new OsEnd(w));
        }

        public SourceEnd EventFd(DescriptorTable table, uint initial = 0) => new OsEnd(Os.OsFd.EventFd(initial));
    }
}

/// <summary>Makes connected sources of one kind (the table is used by the in-process kind only).</summary>
public interface ISourceFactory
{
    /// <summary>The kind made.</summary>
    SourceKind Kind { get; }

    /// <summary>A connected AF_UNIX stream pair.</summary>
    (SourceEnd A, SourceEnd B) SocketPair(DescriptorTable table);

    /// <summary>A pipe: its read and write ends.</summary>
    (SourceEnd Reader, SourceEnd Writer) Pipe(DescriptorTable table);

    /// <summary>A non-blocking eventfd holding <paramref name="initial"/>.</summary>
    SourceEnd EventFd(DescriptorTable table, uint initial = 0);
}

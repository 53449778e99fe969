namespace EventPoll;

/// <summary>Creates connected AF_UNIX stream socket pairs.</summary>
public static class UnixSocketPair
{
    /// <summary>Creates a connected pair; bytes written to one end are read from the other.</summary>
    public static (SocketHandle A, SocketHandle B) Create(DescriptorTable? table = null)
    {
        table ??= DescriptorTable.Default;
        Span<int> fds = stackalloc int[2];
        EpollException.Check(table.ReservePair(fds), "socketpair", -1); // Linux's socketpair takes the numbers before it makes the sockets
        (UnixStreamSocket a, UnixStreamSocket b) = UnixStreamSocket.CreatePair();
        table.FillPair(fds, a, b);
        return (new SocketHandle(table, fds[0]), new SocketHandle(table, fds[1]));
    }
}

/// <summary>One end of a socket pair.</summary>
public sealed class SocketHandle : FileHandle
{
    internal SocketHandle(DescriptorTable table, int fd) : base(table, fd) { }

    /// <summary>shutdown(2): stop reading, writing, or both.</summary>
    public void Shutdown(SocketShutdown how)
    {
        using Use use = Enter();
        EpollException.Check(Syscalls.Shutdown(Table, Fd, (int)how), "shutdown", Fd);
    }
}

/// <summary>The halves shutdown(2) closes.</summary>
public enum SocketShutdown
{
    /// <summary>SHUT_RD.</summary>
    Read = 0,
    /// <summary>SHUT_WR.</summary>
    Write = 1,
    /// <summary>SHUT_RDWR.</summary>
    Both = 2,
}

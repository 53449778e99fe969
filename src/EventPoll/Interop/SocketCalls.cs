using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using static EventPoll.Interop.LinuxSyscalls;

namespace EventPoll.Interop;

/// <summary>
/// The TCP socket calls the reactor makes on raw descriptors, in the interop layer's convention (the result or
/// <c>-errno</c>, no exceptions). Raw descriptors rather than <see cref="Socket"/> objects: a connection then costs
/// no managed object beyond the reactor's pooled one, and every call is exactly one system call (Socket adds its own
/// epoll registration in .NET's engine, which a reactor that owns the descriptor must not have).
/// Constants are the generic Linux values (x86-64 and arm64 share them).
/// </summary>
internal static unsafe partial class SocketCalls
{
    private const string Libc = "libc";

    internal const int SockStream = 1;
    internal const int SockNonBlock = 0x800;
    internal const int SockCloExec = 0x80000;
    internal const int SolSocket = 1;
    internal const int SoReuseAddr = 2;
    internal const int SoReusePort = 15;
    internal const int IpProtoTcp = 6;
    internal const int TcpNoDelay = 1;
    internal const int TcpDeferAccept = 9;
    internal const int MsgNoSignal = 0x4000;
    internal const int MsgMore = 0x8000;
    internal const int ShutWrite = 1;

    private const int AfInet = 2;
    private const int AfInet6 = 10;

    /// <summary>socket(2) for a non-blocking, close-on-exec TCP socket of <paramref name="endPoint"/>'s family.</summary>
    internal static int TcpSocket(IPEndPoint endPoint)
        => Result(NativeSocket(Family(endPoint), SockStream | SockNonBlock | SockCloExec, IpProtoTcp));

    /// <summary>setsockopt(2) with an int value.</summary>
    internal static int SetOption(int fd, int level, int name, int value)
        => Result(NativeSetSockOpt(fd, level, name, &value, sizeof(int)));

    /// <summary>bind(2) to <paramref name="endPoint"/> (IPv4 or IPv6).</summary>
    internal static int Bind(int fd, IPEndPoint endPoint)
    {
        byte* address = stackalloc byte[SockAddrSize];
        int length = Write(endPoint, new Span<byte>(address, SockAddrSize));
        return Result(NativeBind(fd, address, length));
    }

    /// <summary>The port a bound socket got (getsockname(2)), or <c>-errno</c>.</summary>
    internal static int LocalPort(int fd)
    {
        byte* address = stackalloc byte[SockAddrSize];
        int length = SockAddrSize;
        int r = Result(NativeGetSockName(fd, address, &length));
        return r < 0 ? r : address[2] << 8 | address[3];
    }

    internal static int Listen(int fd, int backlog) => Result(NativeListen(fd, backlog));

    /// <summary>accept4(2) of a non-blocking, close-on-exec connection; the peer's address is not asked for.</summary>
    internal static int Accept(int fd) => Result(NativeAccept4(fd, null, null, SockNonBlock | SockCloExec));

    /// <summary>recv(2) into <paramref name="buffer"/>: the bytes read, 0 at end of stream, or <c>-errno</c>.</summary>
    internal static int Receive(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            return (int)Result(NativeRecv(fd, p, (nuint)buffer.Length, 0));
        }
    }

    /// <summary>
    /// send(2) with MSG_NOSIGNAL (a reset peer is EPIPE, not SIGPIPE): the bytes sent or <c>-errno</c>. With
    /// <paramref name="more"/> (MSG_MORE) the kernel holds the bytes back for what follows: a close(2) right after
    /// then puts its FIN into the same segment as the data.
    /// </summary>
    internal static int Send(int fd, ReadOnlySpan<byte> data, bool more = false)
    {
        fixed (byte* p = data)
        {
            return (int)Result(NativeSend(fd, p, (nuint)data.Length, more ? MsgNoSignal | MsgMore : MsgNoSignal));
        }
    }

    internal static int Shutdown(int fd, int how) => Result(NativeShutdown(fd, how));

    internal static int Close(int fd) => Result(NativeClose(fd));

    // sockaddr_in6 is the larger of the two (28 bytes).
    private const int SockAddrSize = 28;

    private static int Family(IPEndPoint endPoint) => endPoint.AddressFamily switch
    {
        AddressFamily.InterNetwork => AfInet,
        AddressFamily.InterNetworkV6 => AfInet6,
        // Stryker disable once String : unreachable: the one caller (TcpReactor) builds a plain IPEndPoint from an IPAddress, always IPv4 or IPv6
        _ => throw new ArgumentException($"only IPv4 and IPv6 end points can be bound, not {endPoint.AddressFamily}", nameof(endPoint)),
    };

    /// <summary>Writes <paramref name="endPoint"/> as a sockaddr_in or sockaddr_in6 (port in network order); its length.</summary>
    private static int Write(IPEndPoint endPoint, Span<byte> address)
    {
        // Stryker disable once Statement : the one caller passes a fresh stackalloc, which the runtime zeroes (localsinit)
        address.Clear();
        MemoryMarshal.Write(address, (ushort)Family(endPoint));
        address[2] = (byte)(endPoint.Port >> 8);
        address[3] = (byte)endPoint.Port;
        if (endPoint.AddressFamily == AddressFamily.InterNetwork)
        {
            endPoint.Address.TryWriteBytes(address[4..8], out _);
            return 16;
        }
        endPoint.Address.TryWriteBytes(address[8..24], out _);
        MemoryMarshal.Write(address[24..], (uint)endPoint.Address.ScopeId);
        return SockAddrSize;
    }

    [LibraryImport(Libc, EntryPoint = "socket", SetLastError = true)]
    private static partial int NativeSocket(int domain, int type, int protocol);

    [LibraryImport(Libc, EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int NativeSetSockOpt(int fd, int level, int name, void* value, int length);

    [LibraryImport(Libc, EntryPoint = "bind", SetLastError = true)]
    private static partial int NativeBind(int fd, byte* address, int length);

    [LibraryImport(Libc, EntryPoint = "getsockname", SetLastError = true)]
    private static partial int NativeGetSockName(int fd, byte* address, int* length);

    [LibraryImport(Libc, EntryPoint = "listen", SetLastError = true)]
    private static partial int NativeListen(int fd, int backlog);

    [LibraryImport(Libc, EntryPoint = "accept4", SetLastError = true)]
    private static partial int NativeAccept4(int fd, byte* address, int* length, int flags);

    [LibraryImport(Libc, EntryPoint = "recv", SetLastError = true)]
    private static partial nint NativeRecv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Libc, EntryPoint = "send", SetLastError = true)]
    private static partial nint NativeSend(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Libc, EntryPoint = "shutdown", SetLastError = true)]
    private static partial int NativeShutdown(int fd, int how);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    private static partial int NativeClose(int fd);
}

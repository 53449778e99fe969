using System.Net;
using System.Net.Sockets;
using EventPoll.Interop;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The reactor's socket calls (Interop/SocketCalls.cs) against the kernel: the address bind writes (the port's two
/// bytes, an IPv6 scope), what getsockname reads back, accept4's flags and send's MSG_MORE. Mutation testing found
/// each unpinned: the reactor's own tests bind port 0 and would pass on an unbound socket too (listen picks a port).
/// </summary>
public sealed class SocketCallsMutationTests
{
    private const int FGetFd = 1, FGetFl = 3, FdCloExec = 1, ONonBlock = 0x800, ENoDev = 19;
    private const short PollIn = 1;
    private static readonly IPAddress Loopback = IPAddress.Loopback;

    [LinuxFact]
    public void TheLocalPortOfADescriptorThatIsNotOpen_IsEbadf()
        => Assert.Equal(-(int)Errno.EBADF, SocketCalls.LocalPort(-1));

    /// <summary>
    /// Port 0 binds a port the kernel chooses, which getsockname reads back; a second socket (both SO_REUSEPORT) bound to
    /// that number by name gets that very port: the two bytes went out in network order.
    /// </summary>
    [LinuxFact]
    public void ABoundPort_ReadsBack_AndASecondSocketBoundToItByNumberGetsTheSamePort()
    {
        int first = ReusePortSocket(), second = ReusePortSocket();
        try
        {
            Assert.Equal(0, SocketCalls.Bind(first, new IPEndPoint(Loopback, 0)));
            int port = SocketCalls.LocalPort(first);
            Assert.InRange(port, 256, 65535); // a high byte of its own: the ephemeral range starts far above
            Assert.Equal(0, SocketCalls.Bind(second, new IPEndPoint(Loopback, port)));
            Assert.Equal(port, SocketCalls.LocalPort(second));
        }
        finally
        {
            SocketCalls.Close(first);
            SocketCalls.Close(second);
        }
    }

    [LinuxFact]
    public void AnAcceptedConnection_IsNonBlockingAndCloseOnExec()
    {
        int listener = SocketCalls.TcpSocket(new IPEndPoint(Loopback, 0));
        Assert.True(listener >= 0, $"socket: {listener}");
        try
        {
            Assert.Equal(0, SocketCalls.Bind(listener, new IPEndPoint(Loopback, 0)));
            Assert.Equal(0, SocketCalls.Listen(listener, 1));
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.Connect(Loopback, SocketCalls.LocalPort(listener));
            Assert.Equal(PollIn, LinuxSyscalls.PollOne(listener, PollIn, 10_000)); // the handshake reached the queue
            int accepted = SocketCalls.Accept(listener);
            Assert.True(accepted >= 0, $"accept4: {accepted}");
            try
            {
                Assert.Equal(FdCloExec, LinuxSyscalls.Fcntl(accepted, FGetFd, 0) & FdCloExec);
                Assert.Equal(ONonBlock, LinuxSyscalls.Fcntl(accepted, FGetFl, 0) & ONonBlock);
            }
            finally
            {
                SocketCalls.Close(accepted);
            }
        }
        finally
        {
            SocketCalls.Close(listener);
        }
    }

    /// <summary>
    /// With <c>more</c> the kernel holds the bytes back for what follows (MSG_MORE): over UDP, where it holds them for as
    /// long as it takes, the two sends leave as one datagram. (Over TCP it holds them 200 ms at most, a timer.)
    /// </summary>
    [LinuxFact]
    public void ASendWithMore_IsHeldBackForTheNextSend_OneDatagramOverUdp()
    {
        using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 10_000 };
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        receiver.Bind(new IPEndPoint(Loopback, 0));
        sender.Connect(receiver.LocalEndPoint!);
        int fd = (int)sender.SafeHandle.DangerousGetHandle();
        Assert.Equal(2, SocketCalls.Send(fd, "ab"u8, more: true));
        Assert.Equal(2, SocketCalls.Send(fd, "cd"u8));
        var datagram = new byte[8];
        int n = receiver.Receive(datagram);
        Assert.Equal("abcd"u8.ToArray(), datagram[..n]);
    }

    /// <summary>
    /// A link-local IPv6 address is bound on the interface its scope id names: a scope no interface has is ENODEV
    /// (without the scope the kernel would answer EINVAL: such an address needs an interface).
    /// </summary>
    [Ipv6Fact]
    public void ALinkLocalAddress_IsBoundOnTheInterfaceItsScopeNames()
    {
        var endPoint = new IPEndPoint(new IPAddress(IPAddress.Parse("fe80::1").GetAddressBytes(), scopeid: int.MaxValue), 0);
        int fd = SocketCalls.TcpSocket(endPoint);
        Assert.True(fd >= 0, $"socket: {fd}");
        try
        {
            Assert.Equal(-ENoDev, SocketCalls.Bind(fd, endPoint));
        }
        finally
        {
            SocketCalls.Close(fd);
        }
    }

    private static int ReusePortSocket()
    {
        int fd = SocketCalls.TcpSocket(new IPEndPoint(Loopback, 0));
        Assert.True(fd >= 0, $"socket: {fd}");
        Assert.Equal(0, SocketCalls.SetOption(fd, SocketCalls.SolSocket, SocketCalls.SoReusePort, 1));
        return fd;
    }
}

/// <summary>A fact that needs IPv6 sockets (Linux on x86-64 with IPv6 enabled); skipped elsewhere.</summary>
public sealed class Ipv6FactAttribute : FactAttribute
{
    public Ipv6FactAttribute()
    {
        if (!LinuxSyscalls.EpollEventLayoutMatches || !Socket.OSSupportsIPv6) Skip = "needs Linux on x86-64 with IPv6";
    }
}

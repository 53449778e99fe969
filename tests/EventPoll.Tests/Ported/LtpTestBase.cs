using Xunit;

namespace EventPoll.Tests.Ported;

/// <summary>What every LTP port starts from: its own descriptor table, the C-style facade over it, and LTP's setup calls.</summary>
public abstract class LtpTestBase
{
    private protected LtpTestBase() => Px = new Posix(Table);

    private protected DescriptorTable Table { get; } = new();

    private protected Posix Px { get; }

    /// <summary>pipe2(fds, 0), asserted to succeed.</summary>
    private protected int[] NewPipe()
    {
        var fds = new int[2];
        Assert.Equal(0, Px.Pipe2(fds, 0));
        return fds;
    }

    /// <summary>epoll_create1(0), asserted to succeed.</summary>
    private protected int NewEpoll()
    {
        int fd = Px.EpollCreate1(0);
        Assert.True(fd >= 0);
        return fd;
    }
}

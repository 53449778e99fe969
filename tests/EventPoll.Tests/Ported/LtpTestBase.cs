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

    /// <summary>Opens a descriptor of <paramref name="type"/> (LTP's tst_fd kinds that have an equivalent here).</summary>
    private protected int OpenFd(LtpFdType type)
    {
        var pair = new int[2];
        int fd = type switch
        {
            LtpFdType.RegularFile => Table.Install(new RegularFile(default)),
            LtpFdType.ClosedDescriptor => Closed(Px.EventFd(0, 0)),
            LtpFdType.PipeRead => Px.Pipe2(pair, 0) == 0 ? pair[0] : -1,
            LtpFdType.PipeWrite => Px.Pipe2(pair, 0) == 0 ? pair[1] : -1,
            LtpFdType.UnixSocket => Px.SocketPair(Posix.AF_UNIX, Posix.SOCK_STREAM, 0, pair) == 0 ? pair[0] : -1,
            LtpFdType.Epoll => Px.EpollCreate1(0),
            LtpFdType.EventFd => Px.EventFd(0, 0),
            LtpFdType.TimerFd => Px.TimerFdCreate(Posix.CLOCK_MONOTONIC, 0),
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
        Assert.True(fd >= 0, $"opening a {type} failed: {Posix.Errno}");
        return fd;

        int Closed(int open)
        {
            Assert.Equal(0, Px.Close(open));
            return open; // a number that names no open file
        }
    }
}

/// <summary>The descriptor kinds the LTP ports iterate over (a closed descriptor stands for LTP's O_PATH/open_tree EBADF cases).</summary>
public enum LtpFdType
{
    RegularFile,
    ClosedDescriptor,
    PipeRead,
    PipeWrite,
    UnixSocket,
    Epoll,
    EventFd,
    TimerFd,
}

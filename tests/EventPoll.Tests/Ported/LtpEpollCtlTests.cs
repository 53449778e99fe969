using Xunit;

namespace EventPoll.Tests.Ported;

/// <summary>
/// Ports of LTP testcases/kernel/syscalls/epoll_ctl/epoll_ctl0[1-7].c, on the C-style <see cref="Posix"/> facade. The
/// cases about the target descriptor run with both kinds of source: table descriptors (<see cref="LtpEpollCtlTests"/>)
/// and OS descriptors (<see cref="Os.LtpEpollCtlOsTests"/>).
/// </summary>
public abstract class LtpEpollCtlCases : LtpTestBase
{
    private protected void Ctl(int epfd, int op, int fd, EpollEvents events, ulong data)
        => Assert.True(Ctl(epfd, op, fd, new EpollEvent(events, data)) == 0, $"epoll_ctl({op}) failed: {LastErrno}");


    // epoll_ctl01: after a write, wait until exactly the expected {fd, events} pairs were reported (no others).
    private void CheckEpollCtl(int epfd, int[] fd, bool expectOut)
        => PortedSupport.ExpectPipeEvents(Px, epfd, fd, expectOut, (f, data) => Write(f, data), (f, buffer) => Read(f, buffer));

    [Fact]
    public void Ltp_epoll_ctl01_add_mod_del()
    {
        int epfd = Px.EpollCreate(2);
        int[] fd = NewPipe();
        Ctl(epfd, Posix.EPOLL_CTL_ADD, fd[0], EpollEvents.In, (ulong)fd[0]);
        Ctl(epfd, Posix.EPOLL_CTL_ADD, fd[1], EpollEvents.In, (ulong)fd[1]); // never true for a write end
        CheckEpollCtl(epfd, fd, expectOut: false);
        Ctl(epfd, Posix.EPOLL_CTL_MOD, fd[1], EpollEvents.Out, (ulong)fd[1]);
        CheckEpollCtl(epfd, fd, expectOut: true);
        Ctl(epfd, Posix.EPOLL_CTL_DEL, fd[1], EpollEvents.Out, (ulong)fd[1]);
        CheckEpollCtl(epfd, fd, expectOut: false);
        Ctl(epfd, Posix.EPOLL_CTL_DEL, fd[0], EpollEvents.In, (ulong)fd[0]);
    }

    public enum Ctl02Case
    {
        EBADF_epfd,
        EPERM_not_pollable,
        EBADF_fd,
        EINVAL_op,
        EINVAL_fd_is_epfd,
        EFAULT_event_null,
        ENOENT_del_unregistered,
        ENOENT_mod_unregistered,
        EEXIST_add_twice,
    }

    /// <summary>
    /// One epoll_ctl02 case on an instance watching fd[0] of <paramref name="fd"/> for EPOLLIN, through
    /// <paramref name="ctl"/>; <paramref name="notPollable"/> is a target without a poll operation.
    /// </summary>
    private protected static int Ctl02Call(Ctl02Case testCase, int epfd, int[] fd, int notPollable, int badFd, Func<int, int, int, EpollEvent?, int> ctl)
    {
        var inEvent = new EpollEvent(EpollEvents.In, (ulong)fd[0]);
        var outEvent = new EpollEvent(EpollEvents.Out, (ulong)fd[1]);
        Assert.Equal(0, ctl(epfd, Posix.EPOLL_CTL_ADD, fd[0], inEvent));
        return testCase switch
        {
            Ctl02Case.EBADF_epfd => ctl(-1, Posix.EPOLL_CTL_ADD, fd[1], outEvent),
            Ctl02Case.EPERM_not_pollable => ctl(epfd, Posix.EPOLL_CTL_ADD, notPollable, outEvent),
            Ctl02Case.EBADF_fd => ctl(epfd, Posix.EPOLL_CTL_ADD, badFd, outEvent),
            Ctl02Case.EINVAL_op => ctl(epfd, -1, fd[1], outEvent),
            Ctl02Case.EINVAL_fd_is_epfd => ctl(epfd, Posix.EPOLL_CTL_ADD, epfd, outEvent),
            Ctl02Case.EFAULT_event_null => ctl(epfd, Posix.EPOLL_CTL_ADD, fd[1], null),
            Ctl02Case.ENOENT_del_unregistered => ctl(epfd, Posix.EPOLL_CTL_DEL, fd[1], outEvent),
            Ctl02Case.ENOENT_mod_unregistered => ctl(epfd, Posix.EPOLL_CTL_MOD, fd[1], outEvent),
            Ctl02Case.EEXIST_add_twice => ctl(epfd, Posix.EPOLL_CTL_ADD, fd[0], inEvent),
            _ => throw new ArgumentOutOfRangeException(nameof(testCase)),
        };
    }

    [Fact]
    public void Ltp_epoll_ctl03_mod_all_256_event_combinations()
    {
        EpollEvents[] types =
        [
            EpollEvents.In, EpollEvents.Out, EpollEvents.Pri, EpollEvents.Err,
            EpollEvents.Hup, EpollEvents.EdgeTriggered, EpollEvents.OneShot, EpollEvents.RdHup,
        ];
        int epfd = Px.EpollCreate(1);
        int[] fds = NewPipe();
        Ctl(epfd, Posix.EPOLL_CTL_ADD, fds[0], EpollEvents.In, (ulong)fds[0]);
        for (int i = 0; i < 256; i++)
        {
            EpollEvents events = EpollEvents.None;
            for (int j = 0; j < types.Length; j++)
            {
                if ((i & (1 << j)) != 0) events |= types[j];
            }
            Assert.True(Ctl(epfd, Posix.EPOLL_CTL_MOD, fds[0], new EpollEvent(events, (ulong)fds[0])) == 0,
                $"EPOLL_CTL_MOD with events={(uint)events:x8} failed: {LastErrno}");
        }
    }

    private const int MaxDepth = 5;

    /// <summary>A pipe read end wrapped in <see cref="MaxDepth"/> nested instances; returns the outermost and the first.</summary>
    private (int Outermost, int First, int[] Pipe) BuildChain()
    {
        int[] fd = NewPipe();
        int epfd = fd[0], first = -1;
        for (int depth = 0; depth < MaxDepth; depth++)
        {
            int newEpfd = Px.EpollCreate(1);
            Assert.True(newEpfd >= 0);
            if (depth == 0) first = newEpfd;
            Ctl(newEpfd, Posix.EPOLL_CTL_ADD, epfd, EpollEvents.In, (ulong)epfd);
            epfd = newEpfd;
        }
        return (epfd, first, fd);
    }

    /// <summary>LTP accepts EINVAL (reverse path check, before Linux 6.17) or ELOOP (exact depth check since).</summary>
    [Fact]
    public void Ltp_epoll_ctl04_nesting_too_deep()
    {
        (int outermost, _, _) = BuildChain();
        int newEpfd = Px.EpollCreate(1);
        Assert.Equal(-1, Px.EpollCtl(newEpfd, Posix.EPOLL_CTL_ADD, outermost, new EpollEvent(EpollEvents.In, (ulong)outermost)));
        Assert.Contains(Posix.Errno, new[] { Errno.EINVAL, Errno.ELOOP });
    }

    [Fact]
    public void Ltp_epoll_ctl05_ELOOP_cycle()
    {
        (int outermost, int first, int[] fd) = BuildChain();
        Ctl(first, Posix.EPOLL_CTL_DEL, fd[0], EpollEvents.In, (ulong)fd[0]);
        Assert.Equal(-1, Px.EpollCtl(first, Posix.EPOLL_CTL_ADD, outermost, new EpollEvent(EpollEvents.In, (ulong)outermost)));
        Assert.Equal(Errno.ELOOP, Posix.Errno);
    }

    /// <summary>epoll_ctl06: EPOLL_CTL_ADD of a descriptor of <paramref name="type"/>; its result, and errno on failure.</summary>
    private protected (int Result, Errno Errno) AddByFdType(LtpFdType type) => AddByFdType(type, out _);

    /// <summary>The same, with the descriptor added.</summary>
    private protected (int Result, Errno Errno) AddByFdType(LtpFdType type, out int fd)
    {
        int efd = Px.EpollCreate1(0); // first, so that it cannot take the number the closed-descriptor case frees
        fd = OpenFd(type);
        int result = CtlSource(efd, Posix.EPOLL_CTL_ADD, fd, new EpollEvent(EpollEvents.In, (ulong)fd));
        Errno errno = result < 0 ? LastErrno : Errno.None;
        Assert.Equal(0, Px.Close(efd));
        return (result, errno);
    }
}

/// <summary>The epoll_ctl cases with table descriptors, and those about instances only.</summary>
public sealed class LtpEpollCtlTests : LtpEpollCtlCases
{
    /// <summary>
    /// The EPERM case uses a directory in LTP; here the non-pollable file is a <see cref="MemoryFile"/> (the same
    /// rule: the target has no poll operation).
    /// </summary>
    [Theory]
    [InlineData(Ctl02Case.EBADF_epfd, Errno.EBADF)]
    [InlineData(Ctl02Case.EPERM_not_pollable, Errno.EPERM)]
    [InlineData(Ctl02Case.EBADF_fd, Errno.EBADF)]
    [InlineData(Ctl02Case.EINVAL_op, Errno.EINVAL)]
    [InlineData(Ctl02Case.EINVAL_fd_is_epfd, Errno.EINVAL)]
    [InlineData(Ctl02Case.EFAULT_event_null, Errno.EFAULT)]
    [InlineData(Ctl02Case.ENOENT_del_unregistered, Errno.ENOENT)]
    [InlineData(Ctl02Case.ENOENT_mod_unregistered, Errno.ENOENT)]
    [InlineData(Ctl02Case.EEXIST_add_twice, Errno.EEXIST)]
    public void Ltp_epoll_ctl02(Ctl02Case testCase, Errno expected)
    {
        int epfd = Px.EpollCreate(2);
        int[] fd = NewPipe();
        using var regular = new MemoryFile(table: Table);
        int result = Ctl02Call(testCase, epfd, fd, regular.Fd, -1, Px.EpollCtl);
        Assert.Equal(-1, result);
        Assert.Equal(expected, Posix.Errno);
    }

    /// <summary>
    /// LTP iterates over every fd type it knows. Mapped here: regular file (MemoryFile; the same EPERM rule as
    /// LTP's file, dir, /dev/zero, /proc maps and memfd), a descriptor that names no usable file (LTP's O_PATH /
    /// open_tree give EBADF because fdget refuses them; the closest here is a closed number), and every pollable
    /// type the library has.
    /// </summary>
    [Theory]
    [InlineData(LtpFdType.RegularFile, Errno.EPERM)]
    [InlineData(LtpFdType.ClosedDescriptor, Errno.EBADF)]
    [InlineData(LtpFdType.PipeRead, Errno.None)]
    [InlineData(LtpFdType.PipeWrite, Errno.None)]
    [InlineData(LtpFdType.UnixSocket, Errno.None)]
    [InlineData(LtpFdType.Epoll, Errno.None)]
    [InlineData(LtpFdType.EventFd, Errno.None)]
    [InlineData(LtpFdType.TimerFd, Errno.None)]
    public void Ltp_epoll_ctl06_add_by_fd_type(LtpFdType type, Errno expected)
    {
        (int result, Errno errno) = AddByFdType(type);
        if (expected == Errno.None)
        {
            Assert.True(result == 0, $"epoll_ctl on {type} failed: {errno}");
        }
        else
        {
            Assert.Equal(-1, result);
            Assert.Equal(expected, errno);
        }
    }

    [Fact]
    public void Ltp_epoll_ctl07_ELOOP_two_instance_cycle()
    {
        int a = NewEpoll(), b = NewEpoll();
        Ctl(a, Posix.EPOLL_CTL_ADD, b, EpollEvents.In, (ulong)b);
        Assert.Equal(-1, Px.EpollCtl(b, Posix.EPOLL_CTL_ADD, a, new EpollEvent(EpollEvents.In, (ulong)a)));
        Assert.Equal(Errno.ELOOP, Posix.Errno);
    }
}

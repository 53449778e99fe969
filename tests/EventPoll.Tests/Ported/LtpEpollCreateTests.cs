using Xunit;

namespace EventPoll.Tests.Ported;

/// <summary>Ports of LTP testcases/kernel/syscalls/epoll_create/epoll_create0[1-3] and epoll_create1/epoll_create1_0[12].</summary>
public sealed class LtpEpollCreateTests : LtpTestBase
{
    [Theory]
    [InlineData(1)]
    [InlineData(int.MaxValue)]
    public void Ltp_epoll_create01_succeeds(int size)
    {
        int fd = Px.EpollCreate(size);
        Assert.True(fd >= 0, $"epoll_create({size}) failed: {Posix.Errno}");
        Assert.Equal(0, Px.Close(fd));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Ltp_epoll_create02_EINVAL(int size)
    {
        Assert.Equal(-1, Px.EpollCreate(size));
        Assert.Equal(Errno.EINVAL, Posix.Errno);
    }

    [Fact]
    public void Ltp_epoll_create03_EMFILE()
    {
        var table = new DescriptorTable(limit: 32);
        var px = new Posix(table);
        int fd = px.EventFd(0, 0);
        Assert.True(fd >= 0);
        while (px.Dup(fd) >= 0) { }
        Assert.Equal(Errno.EMFILE, Posix.Errno);
        Assert.Equal(-1, px.EpollCreate(1));
        Assert.Equal(Errno.EMFILE, Posix.Errno);
    }

    /// <summary>
    /// The original also checks FD_CLOEXEC (clear for 0, set for EPOLL_CLOEXEC); descriptor flags and exec do
    /// not exist here, so only the acceptance of both flag values is ported.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(Posix.EPOLL_CLOEXEC)]
    public void Ltp_epoll_create1_01_succeeds(int flags)
    {
        int fd = Px.EpollCreate1(flags);
        Assert.True(fd >= 0, $"epoll_create1({flags:x}) failed: {Posix.Errno}");
        Assert.Equal(0, Px.Close(fd));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(Posix.EPOLL_CLOEXEC + 1)]
    public void Ltp_epoll_create1_02_EINVAL(int flags)
    {
        Assert.Equal(-1, Px.EpollCreate1(flags));
        Assert.Equal(Errno.EINVAL, Posix.Errno);
    }
}

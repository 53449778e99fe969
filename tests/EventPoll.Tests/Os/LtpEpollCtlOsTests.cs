using EventPoll.Interop;
using EventPoll.Tests.Ported;
using Xunit;

namespace EventPoll.Tests.Os;

/// <summary>
/// LTP's epoll_ctl cases about the target descriptor (<see cref="LtpEpollCtlCases"/>) re-run with OS descriptors:
/// pipes, sockets, eventfds, timerfds and regular files of the process, registered with epoll_ctl on OS descriptors;
/// the instances stay table descriptors. An OS registration is checked by the kernel itself, so each errno expected
/// here is the running kernel's: the same call on a kernel epoll instance set up the same way. Left out (they run with
/// table descriptors only, see <see cref="LtpEpollCtlTests"/>):
/// <list type="bullet">
/// <item>epoll_ctl02 EBADF_epfd: about the epoll descriptor, not the target.</item>
/// <item>epoll_ctl02 EINVAL_fd_is_epfd: the target is the instance itself, a table descriptor.</item>
/// <item>epoll_ctl06 Epoll: an instance is a table descriptor, never an OS source.</item>
/// <item>epoll_ctl07: a cycle of two instances, no source involved.</item>
/// </list>
/// </summary>
public sealed class LtpEpollCtlOsTests : LtpEpollCtlCases
{
    private protected override bool OsSources => true;

    /// <summary>epoll_ctl on a kernel instance: 0, or the kernel's errno as a negative number.</summary>
    private static int KernelCtl(int epfd, int op, int fd, EpollEvent? ev)
        => ev is { } e ? LinuxSyscalls.EpollCtl(epfd, op, fd, e) : LinuxSyscalls.EpollCtlNull(epfd, op, fd);

    /// <summary>Runs <paramref name="call"/> on a new kernel epoll instance: the kernel's errno (<see cref="Errno.None"/> on success).</summary>
    private static Errno KernelErrno(Func<int, int> call)
    {
        int kernelEpfd = LinuxSyscalls.EpollCreate1(Posix.O_CLOEXEC);
        Assert.True(kernelEpfd >= 0, $"epoll_create1 failed: {(Errno)(-kernelEpfd)}");
        try
        {
            int r = call(kernelEpfd);
            return r < 0 ? (Errno)(-r) : Errno.None;
        }
        finally
        {
            LinuxSyscalls.Close(kernelEpfd);
        }
    }

    /// <summary>EPERM uses a regular file of the process (LTP's directory: the same rule, no poll operation).</summary>
    [Theory]
    [InlineData(Ctl02Case.EPERM_not_pollable)]
    [InlineData(Ctl02Case.EBADF_fd)]
    [InlineData(Ctl02Case.EINVAL_op)]
    [InlineData(Ctl02Case.EFAULT_event_null)]
    [InlineData(Ctl02Case.ENOENT_del_unregistered)]
    [InlineData(Ctl02Case.ENOENT_mod_unregistered)]
    [InlineData(Ctl02Case.EEXIST_add_twice)]
    public void Ltp_epoll_ctl02(Ctl02Case testCase)
    {
        int epfd = Px.EpollCreate(2);
        int[] fd = NewPipe();
        int regular = NewOsRegularFile();
        int result = Ctl02Call(testCase, epfd, fd, regular, -1, CtlSource);
        Errno errno = LastErrno;

        int[] kernelFd = NewPipe();
        Errno expected = KernelErrno(kernelEpfd => Ctl02Call(testCase, kernelEpfd, kernelFd, regular, -1, KernelCtl));
        Assert.NotEqual(Errno.None, expected);
        Assert.Equal(-1, result);
        Assert.Equal(expected, errno);
    }

    /// <summary>
    /// LTP's fd types that the process can open here; a number above any descriptor limit stands for LTP's
    /// O_PATH / open_tree descriptors that fdget refuses (EBADF).
    /// </summary>
    [Theory]
    [InlineData(LtpFdType.RegularFile)]
    [InlineData(LtpFdType.ClosedDescriptor)]
    [InlineData(LtpFdType.PipeRead)]
    [InlineData(LtpFdType.PipeWrite)]
    [InlineData(LtpFdType.UnixSocket)]
    [InlineData(LtpFdType.EventFd)]
    [InlineData(LtpFdType.TimerFd)]
    public void Ltp_epoll_ctl06_add_by_fd_type(LtpFdType type)
    {
        (int result, Errno errno) = AddByFdType(type, out int fd);
        Errno expected = KernelErrno(kernelEpfd => KernelCtl(kernelEpfd, Posix.EPOLL_CTL_ADD, fd, new EpollEvent(EpollEvents.In, (ulong)fd)));
        Assert.Equal(expected == Errno.None ? 0 : -1, result);
        Assert.Equal(expected, errno);
    }
}

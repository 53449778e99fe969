using EventPoll.Tests.Os;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The system-call layer (Descriptors/Syscalls.cs): the sentences a handle carries when its number was closed or
/// replaced through the POSIX face (which acts on numbers, as C does), poll(2) of a file without a poll method, and
/// the order of epoll_ctl's checks for an OS descriptor. Each test fails on the mutant noted beside it.
/// </summary>
public class SyscallsMutationTests
{
    private readonly DescriptorTable _table = new(limit: 16);

    private Posix Px => new(_table);

    // NotOpen: the EBADF sentence emptied.
    [Fact]
    public void AHandleWhoseNumberWasClosedThroughPosix_SaysTheDescriptorIsNotOpen()
    {
        using var e = new EventFd(1, table: _table);
        Assert.Equal(0, Px.Close(e.Fd));
        Refusal.Assert(Errno.EBADF, $"EBADF: the descriptor is not open (read, fd {e.Fd})", () => e.Read(new byte[8]));
    }

    // EpollCtl: the sentence for an epoll descriptor that is not open emptied.
    [Fact]
    public void AnEpollHandleWhoseNumberWasClosedThroughPosix_SaysWhichEpollDescriptorIsNotOpen()
    {
        using var ep = new Epoll(_table);
        using var e = new EventFd(table: _table);
        Assert.Equal(0, Px.Close(ep.Fd));
        Refusal.Assert(Errno.EBADF, $"EBADF: the epoll descriptor {ep.Fd} is not open (epoll_ctl ADD, fd {e.Fd})",
            () => ep.Add(e, EpollEvents.In));
    }

    // TimerFdSetTime: the sentence for a descriptor that is not a timerfd emptied.
    [Fact]
    public void ATimerHandleWhoseNumberNowNamesAnEventFd_SaysTheDescriptorIsNotATimerfd()
    {
        using var timer = new TimerFd(_table);
        using var e = new EventFd(table: _table);
        Assert.Equal(timer.Fd, Px.Dup2(e.Fd, timer.Fd));
        Refusal.Assert(Errno.EINVAL, $"EINVAL: the descriptor is not a timerfd (timerfd_settime, fd {timer.Fd})",
            () => timer.SetTime(TimeSpan.FromSeconds(1)));
    }

    // PollNow: a file without a poll method is ready for reading and writing (Linux: DEFAULT_POLLMASK); each
    // bit of the mask dropped.
    [Fact]
    public void PollingARegularFile_ReportsItReadyForReadingAndWriting()
    {
        using var file = new MemoryFile(table: _table);
        Assert.Equal(EpollEvents.In | EpollEvents.Out | EpollEvents.RdNorm | EpollEvents.WrNorm, file.Poll());
        Assert.Equal(EpollEvents.Out, Px.PollNow(file.Fd, EpollEvents.Out));
    }

    // EpollCtlOs: `checkedFd < 0 ? checkedFd : NotAnEpoll()` turned into always NotAnEpoll, or `checkedFd > 0`: the
    // kernel checks the OS descriptor (EBADF) before it finds that epfd is not an instance (EINVAL).
    [LinuxFact]
    public void AnOsCtlOnANonInstance_ReportsABadOsDescriptorBeforeTheNonInstance()
    {
        Posix px = Px;
        int notAnInstance = px.EventFd(0, 0);
        Assert.Equal(-1, px.EpollCtlOs(notAnInstance, Posix.EPOLL_CTL_ADD, -1, new EpollEvent(EpollEvents.In, 0)));
        Assert.Equal(Errno.EBADF, Posix.Errno);
        using Microsoft.Win32.SafeHandles.SafeFileHandle os = OsFd.EventFd();
        Assert.Equal(-1, px.EpollCtlOs(notAnInstance, Posix.EPOLL_CTL_ADD, OsFd.Number(os), new EpollEvent(EpollEvents.In, 0)));
        Assert.Equal(Errno.EINVAL, Posix.Errno);
    }
}

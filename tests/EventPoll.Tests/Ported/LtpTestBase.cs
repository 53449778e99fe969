using EventPoll.Interop;
using Xunit;

namespace EventPoll.Tests.Ported;

/// <summary>What every LTP port starts from: its own descriptor table, the C-style facade over it, and LTP's setup calls.</summary>
public abstract class LtpTestBase : IDisposable
{
    private protected LtpTestBase() => Px = new Posix(Table);

    private protected DescriptorTable Table { get; } = new();

    private protected Posix Px { get; }

    /// <summary>pipe2(fds, 0), asserted to succeed: in the table, or of the process when <see cref="OsSources"/>.</summary>
    private protected int[] NewPipe()
    {
        var fds = new int[2];
        if (OsSources)
        {
            Assert.Equal(0, LinuxSyscalls.Pipe2(out fds[0], out fds[1], Posix.O_NONBLOCK | Posix.O_CLOEXEC)); // every table descriptor is non-blocking too
            return TrackOs(fds);
        }
        Assert.Equal(0, Px.Pipe2(fds, 0));
        return fds;
    }

    /// <summary>socketpair(AF_UNIX, SOCK_STREAM, 0, sv), asserted to succeed, of the kind under test.</summary>
    private protected int[] NewSocketPair()
    {
        var sv = new int[2];
        if (OsSources)
        {
            Assert.Equal(0, LinuxSyscalls.SocketPair(Posix.AF_UNIX, Posix.SOCK_STREAM | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0, sv));
            return TrackOs(sv);
        }
        Assert.Equal(0, Px.SocketPair(Posix.AF_UNIX, Posix.SOCK_STREAM, 0, sv));
        return sv;
    }

    // ---- the source kind: in-process files of the table, or OS descriptors of the process (issue 14) ----------

    private readonly HashSet<int> _osFds = [];

    /// <summary>Whether pipes and sockets are OS descriptors (registered with epoll_ctl on OS descriptors, read and written by the kernel).</summary>
    private protected virtual bool OsSources => false;

    /// <summary>The errno of the last failed call: the C face's for table descriptors, the kernel's for OS ones.</summary>
    private protected Errno LastErrno { get; private set; }

    private int[] TrackOs(int[] fds)
    {
        foreach (int fd in fds)
        {
            Assert.True(fd >= 0, $"creating an OS descriptor failed: {(Errno)(-fd)}");
            Assert.Null(EventPoll.Tests.Support.EngineAccess.FileAt(Table, fd)); // one number names one descriptor in these tests
            _osFds.Add(fd);
        }
        return fds;
    }

    private bool IsOs(int fd) => _osFds.Contains(fd);

    private long Os(long result)
    {
        if (result >= 0) return result;
        LastErrno = (Errno)(-result);
        return -1;
    }

    private long InTable(long result)
    {
        if (result < 0) LastErrno = Posix.Errno;
        return result;
    }

    /// <summary>epoll_ctl of a source (an OS descriptor through <see cref="Posix.EpollCtlOs"/>) or of a table descriptor.</summary>
    private protected int Ctl(int epfd, int op, int fd, EpollEvent? ev)
        => (int)InTable(IsOs(fd) ? Px.EpollCtlOs(epfd, op, fd, ev) : Px.EpollCtl(epfd, op, fd, ev));

    /// <summary>epoll_ctl of a target of the kind under test, also one the test does not hold (a bad number): <see cref="Posix.EpollCtlOs"/> when <see cref="OsSources"/>.</summary>
    private protected int CtlSource(int epfd, int op, int fd, EpollEvent? ev)
        => (int)InTable(OsSources ? Px.EpollCtlOs(epfd, op, fd, ev) : Px.EpollCtl(epfd, op, fd, ev));

    private protected long Write(int fd, ReadOnlySpan<byte> data) => IsOs(fd) ? Os(LinuxSyscalls.Write(fd, data)) : InTable(Px.Write(fd, data));

    private protected long Read(int fd, Span<byte> buffer) => IsOs(fd) ? Os(LinuxSyscalls.Read(fd, buffer)) : InTable(Px.Read(fd, buffer));

    private protected int Shutdown(int fd, int how) => (int)(IsOs(fd) ? Os(LinuxSyscalls.Shutdown(fd, how)) : InTable(Px.Shutdown(fd, how)));

    private protected int Close(int fd)
    {
        if (!_osFds.Remove(fd)) return (int)InTable(Px.Close(fd));
        return (int)Os(LinuxSyscalls.Close(fd));
    }

    /// <summary>poll(2) of one descriptor with a zero timeout: its revents for <paramref name="events"/>.</summary>
    private protected EpollEvents PollNow(int fd, EpollEvents events)
        => IsOs(fd) ? (EpollEvents)Math.Max(0, LinuxSyscalls.PollOne(fd, (short)events, 0)) : Px.PollNow(fd, events);

    /// <summary>Closes the OS descriptors a test left open.</summary>
    public void Dispose()
    {
        foreach (int fd in _osFds) LinuxSyscalls.Close(fd);
        _osFds.Clear();
        GC.SuppressFinalize(this);
    }

    /// <summary>epoll_create1(0), asserted to succeed.</summary>
    private protected int NewEpoll()
    {
        int fd = Px.EpollCreate1(0);
        Assert.True(fd >= 0);
        return fd;
    }

    /// <summary>
    /// An OS descriptor of a regular file (a deleted temporary file): the kernel's EPERM target. Owned by the test
    /// (a dup of the handle's descriptor), closed at <see cref="Dispose"/>.
    /// </summary>
    private protected int NewOsRegularFile()
    {
        string path = Path.GetTempFileName();
        try
        {
            using Microsoft.Win32.SafeHandles.SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            int fd = LinuxSyscalls.Fcntl((int)handle.DangerousGetHandle(), LinuxSyscalls.FDupFdCloExec, 0);
            Assert.True(fd >= 0, $"dup failed: {(Errno)(-fd)}");
            return TrackOs([fd])[0];
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// An OS number that names no open file: above any RLIMIT_NOFILE the kernel allows (fs.nr_open is at most
    /// 2^30 - 64), so no other test can open it meanwhile (a closed number could be reused by a parallel test).
    /// </summary>
    private protected const int OsNumberNamingNothing = int.MaxValue;

    /// <summary>Opens a descriptor of <paramref name="type"/> (LTP's tst_fd kinds that have an equivalent here).</summary>
    private protected int OpenFd(LtpFdType type)
    {
        if (OsSources) return OpenOsFd(type);
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

    /// <summary>The OS descriptor of <paramref name="type"/> (the instance kind has none: it is always a table descriptor).</summary>
    private int OpenOsFd(LtpFdType type)
    {
        const int flags = Posix.O_NONBLOCK | Posix.O_CLOEXEC; // EFD_ and TFD_NONBLOCK / CLOEXEC have the O_ values
        int fd = type switch
        {
            LtpFdType.RegularFile => NewOsRegularFile(),
            LtpFdType.ClosedDescriptor => OsNumberNamingNothing,
            LtpFdType.PipeRead => NewPipe()[0],
            LtpFdType.PipeWrite => NewPipe()[1],
            LtpFdType.UnixSocket => NewSocketPair()[0],
            LtpFdType.EventFd => TrackOs([LinuxSyscalls.EventFd(0, flags)])[0],
            LtpFdType.TimerFd => TrackOs([LinuxSyscalls.TimerFdCreate(Posix.CLOCK_MONOTONIC, flags)])[0],
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "no OS source of this kind"),
        };
        Assert.True(fd >= 0, $"opening an OS {type} failed: {(Errno)(-fd)}");
        return fd;
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

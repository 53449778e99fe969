using Xunit;

namespace EventPoll.Tests.Rules;

/// <summary>
/// epoll_ctl validation and its order (reference §4.2): EFAULT, EBADF epfd, EBADF fd, EPERM, EINVAL (not an
/// epoll / fd == epfd), the EXCLUSIVE rules, ELOOP, EEXIST/ENOENT/MOD-of-exclusive/unknown op, ENOSPC.
/// Every precedence pair below was checked against Linux 6.18 with a C probe.
/// </summary>
public class CtlErrnoOrderRules
{
    private const int Add = Posix.EPOLL_CTL_ADD, Del = Posix.EPOLL_CTL_DEL, Mod = Posix.EPOLL_CTL_MOD;
    private const int Closed = 999;
    private const EpollEvents In = EpollEvents.In;
    private const EpollEvents Excl = EpollEvents.Exclusive;

    private readonly World _w = new();
    private readonly int _ep;
    private readonly int _efd;
    private readonly int _regular;

    public CtlErrnoOrderRules()
    {
        _ep = _w.Create();
        _efd = _w.EventFd();
        _regular = _w.Table.Install(new RegularFile("x"u8)); // a bare descriptor: a dropped handle would be closed by its finalizer
    }

    // --- each error alone ---

    [Fact]
    public void NullEvent_IsEfault_ForAddAndMod_ButDelIgnoresIt()
    {
        Assert.Equal(Errno.EFAULT, _w.CtlNull(_ep, Add, _efd));
        Assert.Equal(Errno.EFAULT, _w.CtlNull(_ep, Mod, _efd));
        Assert.Equal(Errno.ENOENT, _w.CtlNull(_ep, Del, _efd));
    }

    [Fact]
    public void NullEvent_WithInvalidOp_IsEfault_NotEinval()
    {
        Assert.Equal(Errno.EFAULT, _w.CtlNull(_ep, -1, _efd));
        Assert.Equal(Errno.EFAULT, _w.CtlNull(_ep, 99, _efd));
    }

    [Fact]
    public void ClosedEpfd_IsEbadf() => Assert.Equal(Errno.EBADF, _w.Ctl(Closed, Add, _efd, In));

    [Fact]
    public void ClosedFd_IsEbadf() => Assert.Equal(Errno.EBADF, _w.Ctl(_ep, Add, Closed, In));

    [Fact]
    public void NonPollableTarget_IsEperm_ForEveryOp()
    {
        Assert.Equal(Errno.EPERM, _w.Ctl(_ep, Add, _regular, In));
        Assert.Equal(Errno.EPERM, _w.Ctl(_ep, Mod, _regular, In));
        Assert.Equal(Errno.EPERM, _w.CtlNull(_ep, Del, _regular));
        Assert.Equal(Errno.EPERM, _w.Ctl(_ep, Add, _regular, EpollEvents.None));
    }

    [Fact]
    public void EpfdNotAnEpoll_IsEinval()
    {
        Assert.Equal(Errno.EINVAL, _w.Ctl(_efd, Add, _efd, In));
        int other = _w.EventFd();
        Assert.Equal(Errno.EINVAL, _w.Ctl(_efd, Add, other, In));
        Assert.Equal(Errno.EINVAL, _w.CtlNull(_efd, Del, other));
    }

    [Fact]
    public void FdEqualsEpfd_IsEinval_ForEveryOp_IncludingADupOfEpfd()
    {
        Assert.Equal(Errno.EINVAL, _w.Ctl(_ep, Add, _ep, In));
        Assert.Equal(Errno.EINVAL, _w.Ctl(_ep, Mod, _ep, In));
        Assert.Equal(Errno.EINVAL, _w.CtlNull(_ep, Del, _ep));
        int dup = _w.Px.Dup(_ep);
        Assert.Equal(Errno.EINVAL, _w.Ctl(_ep, Add, dup, In));
        Assert.Equal(Errno.EINVAL, _w.Ctl(dup, Add, _ep, In));
    }

    [Fact]
    public void Exclusive_WithMod_IsEinval() => Assert.Equal(Errno.EINVAL, _w.Mod(_ep, _efd, In | Excl));

    [Fact]
    public void Exclusive_AddOnAnEpollTarget_IsEinval()
    {
        int inner = _w.Create();
        Assert.Equal(Errno.EINVAL, _w.Add(_ep, inner, In | Excl));
        Assert.Equal(Errno.None, _w.Add(_ep, inner, In));
    }

    [Theory]
    [InlineData(EpollEvents.OneShot)]
    [InlineData(EpollEvents.RdHup)]
    [InlineData(EpollEvents.Pri)]
    [InlineData(EpollEvents.RdNorm)]
    [InlineData(EpollEvents.WrNorm)]
    public void Exclusive_AddWithABitOutsideTheAllowedSet_IsEinval(EpollEvents extra)
        => Assert.Equal(Errno.EINVAL, _w.Add(_ep, _efd, In | Excl | extra));

    [Fact]
    public void Exclusive_AddWithEveryAllowedBit_Succeeds_WakeupStrippedFirst()
    {
        Assert.Equal(Errno.None, _w.Add(_ep, _efd, EpollEvents.In | EpollEvents.Out | EpollEvents.Err | EpollEvents.Hup
            | EpollEvents.Wakeup | EpollEvents.EdgeTriggered | Excl));
        Assert.Contains("events: 9000001d", _w.FdInfo(_ep), StringComparison.Ordinal); // kernel: same line, WAKEUP gone
    }

    [Fact]
    public void Exclusive_ModOfAnExclusivelyRegisteredItem_IsEinval_EvenWithoutTheFlag_DelWorks()
    {
        Assert.Equal(Errno.None, _w.Add(_ep, _efd, In | Excl));
        Assert.Equal(Errno.EINVAL, _w.Mod(_ep, _efd, In));
        Assert.Equal(Errno.EINVAL, _w.Mod(_ep, _efd, EpollEvents.Out));
        Assert.Equal(Errno.None, _w.Del(_ep, _efd));
    }

    [Fact]
    public void Eexist_Enoent_InvalidOp()
    {
        Assert.Equal(Errno.ENOENT, _w.Mod(_ep, _efd, In));
        Assert.Equal(Errno.ENOENT, _w.Del(_ep, _efd));
        Assert.Equal(Errno.EINVAL, _w.Ctl(_ep, 99, _efd, In));
        Assert.Equal(Errno.EINVAL, _w.Ctl(_ep, 0, _efd, In));
        Assert.Equal(Errno.None, _w.Add(_ep, _efd, In));
        Assert.Equal(Errno.EEXIST, _w.Add(_ep, _efd, In));
        Assert.Equal(Errno.EINVAL, _w.Ctl(_ep, 99, _efd, In));
    }

    [Fact]
    public void Eloop_ForACycle()
    {
        int inner = _w.Create();
        Assert.Equal(Errno.None, _w.Add(_ep, inner, In));
        Assert.Equal(Errno.ELOOP, _w.Add(inner, _ep, In));
    }

    [Fact]
    public void Enospc_AtTheWatchLimit()
    {
        var w = new World(maxWatches: 1);
        int ep = w.Create();
        Assert.Equal(Errno.None, w.Add(ep, w.EventFd(), In));
        Assert.Equal(Errno.ENOSPC, w.Add(ep, w.EventFd(), In));
    }

    // --- precedence pairs: two errors apply, the earlier check wins ---

    [Fact]
    public void Efault_BeatsEbadf()
    {
        Assert.Equal(Errno.EFAULT, _w.CtlNull(Closed, Add, _efd));
        Assert.Equal(Errno.EFAULT, _w.CtlNull(Closed, 99, Closed));
    }

    [Fact]
    public void Efault_BeatsEinvalOfFdEqualsEpfd() => Assert.Equal(Errno.EFAULT, _w.CtlNull(_ep, Add, _ep));

    [Fact]
    public void EbadfEpfd_BeatsEbadfFdAndEperm()
    {
        Assert.Equal(Errno.EBADF, _w.Ctl(Closed, Add, Closed, In));
        Assert.Equal(Errno.EBADF, _w.Ctl(Closed, Add, _regular, In));
    }

    [Fact]
    public void EbadfFd_BeatsEinvalOfEpfdNotAnEpoll() => Assert.Equal(Errno.EBADF, _w.Ctl(_efd, Add, Closed, In));

    [Fact]
    public void Eperm_BeatsEpfdNotAnEpoll()
    {
        Assert.Equal(Errno.EPERM, _w.Ctl(_efd, Add, _regular, In));
        Assert.Equal(Errno.EPERM, _w.Ctl(_regular, Add, _regular, In)); // epfd itself a regular file, fd == epfd too
    }

    [Fact]
    public void Eperm_BeatsInvalidOpAndExclusiveRules()
    {
        Assert.Equal(Errno.EPERM, _w.Ctl(_ep, 99, _regular, In));
        Assert.Equal(Errno.EPERM, _w.Mod(_ep, _regular, In | Excl));
        Assert.Equal(Errno.EPERM, _w.Add(_ep, _regular, In | Excl | EpollEvents.OneShot));
    }

    [Fact]
    public void EpfdNotAnEpoll_BeatsInvalidOpAndExclusiveRules()
    {
        int other = _w.EventFd();
        Assert.Equal(Errno.EINVAL, _w.Ctl(_efd, 99, other, In));
        Assert.Equal(Errno.EINVAL, _w.Mod(_efd, other, In | Excl));
    }

    [Fact]
    public void ExclusiveMod_BeatsEnoent() => Assert.Equal(Errno.EINVAL, _w.Mod(_ep, _efd, In | Excl));

    [Fact]
    public void ExclusiveBadBits_BeatEexist()
    {
        Assert.Equal(Errno.None, _w.Add(_ep, _efd, In));
        Assert.Equal(Errno.EINVAL, _w.Add(_ep, _efd, In | Excl | EpollEvents.OneShot));
        Assert.Equal(Errno.EEXIST, _w.Add(_ep, _efd, In | Excl));
    }

    [Fact]
    public void ExclusiveOnEpollTarget_BeatsEloop()
    {
        int inner = _w.Create();
        Assert.Equal(Errno.None, _w.Add(_ep, inner, In));
        Assert.Equal(Errno.EINVAL, _w.Add(inner, _ep, In | Excl)); // would be a cycle
    }

    [Fact]
    public void InvalidOp_BeatsEnoent() => Assert.Equal(Errno.EINVAL, _w.Ctl(_ep, 99, _efd, In));

    [Fact]
    public void Eexist_BeatsEnospc()
    {
        var w = new World(maxWatches: 1);
        int ep = w.Create();
        int fd = w.EventFd();
        Assert.Equal(Errno.None, w.Add(ep, fd, In));
        Assert.Equal(Errno.EEXIST, w.Add(ep, fd, In));
    }

    [Fact]
    public void Eloop_BeatsEnospc()
    {
        var w = new World(maxWatches: 1);
        int outer = w.Create();
        int inner = w.Create();
        Assert.Equal(Errno.None, w.Add(outer, inner, In));
        Assert.Equal(Errno.ELOOP, w.Add(inner, outer, In)); // the account is full, but the loop check runs first
    }

    [Fact]
    public void Enospc_BeatsReversePathEinval()
    {
        // 500 length-2 wakeup paths from the pipe exist; a 501st would be EINVAL, but the destination's
        // account is full, and ep_insert charges the watch before it checks paths.
        var w = new World();
        var (read, _) = w.Pipe();
        int main = w.Create();
        Assert.Equal(Errno.None, w.Add(main, read, In));
        for (int i = 0; i < 500; i++) Assert.Equal(Errno.None, w.Add(w.Create(), main, In));
        var full = new Posix(w.Table, new WatchAccount(0));
        int dest = full.EpollCreate1(0);
        Assert.Equal(-1, full.EpollCtl(dest, Add, main, new EpollEvent(In, 0)));
        Assert.Equal(Errno.ENOSPC, Posix.Errno);
        Assert.Equal(Errno.EINVAL, w.Add(w.Create(), main, In));
    }
}

using EventPoll.Interop;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Misuse;

/// <summary>
/// Tests that lower this process's own RLIMIT_NOFILE run alone: while it is lowered and every number below it
/// is taken, any other test opening a file would fail.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessLimitCollection
{
    public const string Name = "process descriptor limit";
}

/// <summary>
/// RLIMIT_NOFILE: <see cref="DescriptorTable.Limit"/> defaults to the process's soft limit, and every call that
/// makes a descriptor fails at it in the order the running kernel checks (compared call by call with the kernel).
/// </summary>
[Collection(ProcessLimitCollection.Name)]
public class LimitTests
{
    private const int Headroom = 16; // free numbers above the highest open descriptor; the script needs at least 5

    [LinuxFact]
    public void DefaultLimit_IsTheProcessSoftRlimitNofile()
    {
        Assert.Equal(0, LinuxSyscalls.GetRlimit(LinuxSyscalls.RlimitNoFile, out ulong soft, out _));
        int expected = (int)Math.Min(soft, DescriptorTable.MaxLimit);
        Assert.Equal(expected, DescriptorTable.DefaultLimit());
        Assert.Equal(expected, new DescriptorTable().Limit);
    }

    [LinuxFact]
    public void AtTheLimit_EveryCreatingCall_FailsInTheKernelsOrder()
    {
        LimitScript.Run(FullManagedWorld(32, out int[] warmFillers), warmFillers, 32); // JIT and bind it all first
        WarmUpKernelCalls();
        Assert.Equal(0, LinuxSyscalls.GetRlimit(LinuxSyscalls.RlimitNoFile, out ulong soft, out ulong hard));
        int limit = HighestOpenDescriptor() + 1 + Headroom;
        Assert.True((ulong)limit <= soft, $"this process's ulimit -n ({soft}) leaves no room above its descriptors");

        var kernel = new KernelLimitWorld(hard);
        List<string> kernelLog;
        int[] fillers;
        int lastFill;
        try
        {
            kernel.SetLimit(limit);
            do lastFill = kernel.EventFd(0); while (lastFill >= 0);
            fillers = [.. kernel.Owned.Order()];
            kernelLog = LimitScript.Run(kernel, fillers, limit);
        }
        finally
        {
            foreach (int fd in kernel.Owned) LinuxSyscalls.Close(fd);
            LinuxSyscalls.SetRlimit(LinuxSyscalls.RlimitNoFile, soft, hard);
        }
        Assert.Equal(-(int)Errno.EMFILE, lastFill);

        // The managed table gets as many free numbers as the kernel had: all of them fillers.
        List<string> managedLog = LimitScript.Run(FullManagedWorld(fillers.Length, out int[] managedFillers), managedFillers, fillers.Length);
        Assert.Equal(kernelLog, managedLog);
        Assert.Contains("eventfd: EMFILE", managedLog);
    }

    [Fact]
    public void Handles_AtTheLimit_ThrowEmfile_AndLeaveTheTableAsItWas()
    {
        var table = new DescriptorTable(limit: 2);
        using var a = new EventFd(table: table);
        using var b = new EventFd(table: table);
        Assert.Equal(Errno.EMFILE, Assert.Throws<EpollException>(() => new EventFd(table: table)).Errno);
        Assert.Equal(Errno.EMFILE, Assert.Throws<EpollException>(() => new Epoll(table)).Errno);
        Assert.Equal(Errno.EMFILE, Assert.Throws<EpollException>(() => new TimerFd(table)).Errno);
        Assert.Equal(Errno.EMFILE, Assert.Throws<EpollException>(() => new MemoryFile(table: table)).Errno);
        Assert.Equal(Errno.EMFILE, Assert.Throws<EpollException>(() => Pipe.Create(table)).Errno);
        Assert.Equal(Errno.EMFILE, Assert.Throws<EpollException>(() => UnixSocketPair.Create(table)).Errno);
        Assert.Equal(Errno.EMFILE, Assert.Throws<EpollException>(() => a.Duplicate()).Errno);
        Assert.Equal([0, 1], table.OpenDescriptors());

        b.Dispose(); // one free number: a pair still does not fit, and gives nothing back half-made
        Assert.Equal(Errno.EMFILE, Assert.Throws<EpollException>(() => Pipe.Create(table)).Errno);
        Assert.Equal(Errno.EMFILE, Assert.Throws<EpollException>(() => UnixSocketPair.Create(table)).Errno);
        Assert.Equal([0], table.OpenDescriptors());
        using DescriptorHandle dup = a.Duplicate();
        Assert.Equal(1, dup.Fd);
    }

    /// <summary>
    /// At a limit of 0 the kernel's dup finds no free number (EMFILE: alloc_fd's search ends before it starts), while
    /// fcntl(F_DUPFD, 0) refuses its argument first (EINVAL: 0 is not below the limit). Both faces of the table agree.
    /// </summary>
    [LinuxFact]
    public void AtALimitOfZero_DupIsEmfile_ButFDupFdOfZeroIsEinval_AsInTheKernel()
    {
        Assert.Equal(0, LinuxSyscalls.GetRlimit(LinuxSyscalls.RlimitNoFile, out ulong soft, out ulong hard));
        int osFd = LinuxSyscalls.EventFd(0, Posix.O_NONBLOCK | Posix.O_CLOEXEC);
        Assert.True(osFd >= 0);
        int kernelDup, kernelFDupFd;
        try
        {
            Assert.Equal(0, LinuxSyscalls.SetRlimit(LinuxSyscalls.RlimitNoFile, 0, hard));
            kernelDup = LinuxSyscalls.Dup(osFd);
            kernelFDupFd = LinuxSyscalls.Fcntl(osFd, LinuxSyscalls.FDupFd, 0);
        }
        finally
        {
            LinuxSyscalls.SetRlimit(LinuxSyscalls.RlimitNoFile, soft, hard);
            LinuxSyscalls.Close(osFd);
        }
        Assert.Equal(-(int)Errno.EMFILE, kernelDup);
        Assert.Equal(-(int)Errno.EINVAL, kernelFDupFd);

        var table = new DescriptorTable(limit: 1);
        var posix = new Posix(table);
        int fd = posix.EventFd(0, 0);
        table.Limit = 0;
        Assert.Equal(kernelDup, table.Dup(fd));
        Assert.Equal(kernelFDupFd, table.Dup(fd, minFd: 0));
        Assert.Equal(-1, posix.Dup(fd));
        Assert.Equal(Errno.EMFILE, Posix.Errno);
        Assert.Equal(-1, posix.FcntlDupFd(fd, 0));
        Assert.Equal(Errno.EINVAL, Posix.Errno);
        Assert.Equal([fd], table.OpenDescriptors()); // neither refusal kept the file pinned or installed anything
    }

    [Fact]
    public void Limit_IsSettable_WithinZeroAndTheLargestNrOpen()
    {
        var table = new DescriptorTable(limit: 4) { Limit = 0 };
        Assert.Equal(-(int)Errno.EMFILE, table.Install(new EventFdFile(0, semaphore: false)));
        table.Limit = DescriptorTable.MaxLimit;
        Assert.Equal(0, table.Install(new EventFdFile(0, semaphore: false)));
        Assert.Throws<ArgumentOutOfRangeException>(() => table.Limit = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => table.Limit = DescriptorTable.MaxLimit + 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DescriptorTable(-1));
    }

    [Fact]
    public void Dup2_OntoANumberReservedForAPair_IsEbusy_AndInstallsNothing()
    {
        // Linux's do_dup2 refuses a number that get_unused_fd_flags has taken but fd_install has not filled
        // (a pipe2 or socketpair in progress on another thread); the race is reproduced here by reserving directly.
        var table = new DescriptorTable(limit: 8);
        int a = table.Install(new EventFdFile(0, semaphore: false));
        Span<int> reserved = stackalloc int[2];
        Assert.Equal(0, table.ReservePair(reserved));
        Assert.Equal([1, 2], reserved.ToArray());
        Assert.Equal(-(int)Errno.EBUSY, table.Dup2(a, 2));
        Assert.Equal(-(int)Errno.EBADF, table.Close(2));
        Assert.Equal(3, table.Dup(a));
        table.UnreservePair(reserved);
        Assert.Equal(1, table.Dup(a));
        Assert.Equal([0, 1, 3], table.OpenDescriptors());
    }

    [Fact]
    public void Pipe2_RefusedWithEmfile_HasStillUsedUpAnInodeNumber_SocketpairHasNot()
    {
        // Linux's pipe2 makes the pipe before it takes descriptor numbers; socketpair takes the numbers first.
        // Inode numbers come from one global counter, which no other test moves meanwhile (this collection runs alone).
        var px = new Posix(new DescriptorTable(limit: 3));
        Span<int> pair = stackalloc int[2];
        Assert.Equal(0, px.Pipe2(pair, 0));
        ulong first = EngineAccess.FileAt(px.Table, pair[0])!.Inode;
        Assert.Equal(-1, px.Pipe2(pair, 0));
        Assert.Equal(Errno.EMFILE, Posix.Errno);
        Assert.Equal(-1, px.SocketPair(Posix.AF_UNIX, Posix.SOCK_STREAM, 0, pair));
        Assert.Equal(Errno.EMFILE, Posix.Errno);
        Assert.Equal(Errno.EMFILE, Assert.Throws<EpollException>(() => UnixSocketPair.Create(px.Table)).Errno);
        Assert.Equal(0, px.Close(0));
        Assert.Equal(0, px.Close(1));
        Assert.Equal(0, px.Pipe2(pair, 0));
        Assert.Equal(first + 2, EngineAccess.FileAt(px.Table, pair[0])!.Inode);
    }

    private static ManagedLimitWorld FullManagedWorld(int limit, out int[] fillers)
    {
        var world = new ManagedLimitWorld(new DescriptorTable(limit));
        while (world.EventFd(0) >= 0) { }
        fillers = [.. world.Owned.Order()];
        return world;
    }

    /// <summary>Makes every kernel call the script uses once, with arguments it refuses, so none loads anything later.</summary>
    private static void WarmUpKernelCalls()
    {
        LinuxSyscalls.EventFd(0, -1);
        LinuxSyscalls.EpollCreate(0);
        LinuxSyscalls.EpollCreate1(-1);
        LinuxSyscalls.Pipe2([], -1);
        LinuxSyscalls.SocketPair(-1, -1, 0, []);
        LinuxSyscalls.TimerFdCreate(-1, 0);
        LinuxSyscalls.Dup(-1);
        LinuxSyscalls.Dup2(-1, -1);
        LinuxSyscalls.Fcntl(-1, LinuxSyscalls.FDupFd, 0);
        LinuxSyscalls.Close(-1);
    }

    private static int HighestOpenDescriptor()
        => Directory.EnumerateFileSystemEntries("/proc/self/fd").Select(path => int.Parse(Path.GetFileName(path), System.Globalization.CultureInfo.InvariantCulture)).Max();
}

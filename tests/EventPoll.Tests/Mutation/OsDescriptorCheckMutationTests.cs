using System.Globalization;
using EventPoll.Interop;
using EventPoll.Tests.Misuse;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The kernel's checks of an OS descriptor (Interop/OsDescriptorCheck.cs), asked through a kernel epoll of the test's
/// own: a descriptor the kernel accepts is taken out of the probe again, one another probe holds at that moment is
/// accepted and left to it, and a probe at descriptor 0 is a descriptor like any other. The last gives a thread its own
/// descriptor table (unshare), whose copies keep every file of the process open until the thread ends, so the class
/// runs alone. Mutation testing found each unpinned.
/// </summary>
[Collection(ProcessLimitCollection.Name)]
public sealed class OsDescriptorCheckMutationTests
{
    private const int CtlAdd = 1;

    [LinuxFact]
    public void ADescriptorTheKernelAccepts_IsTakenOutOfTheProbeAgain()
    {
        int probe = LinuxSyscalls.EpollCreate1(Posix.O_CLOEXEC);
        Assert.Equal(0, LinuxSyscalls.Pipe2(out int reader, out int writer, Posix.O_CLOEXEC));
        try
        {
            Assert.Equal(0, OsDescriptorCheck.Probe(probe, reader));
            Assert.False(Watches(probe, reader), "the probe still watches the descriptor it checked");
        }
        finally
        {
            CloseAll(probe, reader, writer);
        }
    }

    [LinuxFact]
    public void ADescriptorAnotherProbeHoldsAtThatMoment_IsAccepted_AndLeftToThatProbe()
    {
        int probe = LinuxSyscalls.EpollCreate1(Posix.O_CLOEXEC);
        Assert.Equal(0, LinuxSyscalls.Pipe2(out int reader, out int writer, Posix.O_CLOEXEC));
        try
        {
            Assert.Equal(0, LinuxSyscalls.EpollCtl(probe, CtlAdd, reader, new EpollEvent(EpollEvents.In, 0))); // the other probe's ADD
            Assert.Equal(0, OsDescriptorCheck.Probe(probe, reader)); // EEXIST: the kernel accepted it for the other
            Assert.True(Watches(probe, reader), "the probe took out the registration another probe is about to take out");
        }
        finally
        {
            CloseAll(probe, reader, writer);
        }
    }

    /// <summary>
    /// A process started with its standard input closed makes its probe at descriptor 0 (here a thread with a table
    /// of its own closes its 0 first): the probe still asks the kernel, which refuses a closed number with EBADF.
    /// </summary>
    [LinuxFact]
    public void AProbeAtDescriptorZero_StillAsksTheKernel()
    {
        int probe = -1, refused = 0;
        var thread = new Thread(() =>
        {
            if (LinuxSyscalls.Unshare(LinuxSyscalls.CloneFiles) != 0) return; // this thread's table only from here
            LinuxSyscalls.Close(0);
            probe = LinuxSyscalls.EpollCreate1(Posix.O_CLOEXEC);
            int closed = LinuxSyscalls.EventFd(0, Posix.O_CLOEXEC); // a number free again below (no asserts on this thread)
            LinuxSyscalls.Close(closed);
            refused = OsDescriptorCheck.Probe(probe, closed);
            LinuxSyscalls.Close(probe);
        });
        thread.Start();
        thread.Join();
        Assert.Equal(0, probe);
        Assert.Equal(-(int)Errno.EBADF, refused);
    }

    /// <summary>Whether the kernel epoll <paramref name="epfd"/> has a registration of <paramref name="fd"/> (its fdinfo's tfd lines).</summary>
    private static bool Watches(int epfd, int fd)
        => File.ReadAllLines($"/proc/self/fdinfo/{epfd.ToString(CultureInfo.InvariantCulture)}")
            .Any(line => line.StartsWith("tfd:", StringComparison.Ordinal)
                && line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1] == fd.ToString(CultureInfo.InvariantCulture));

    private static void CloseAll(params int[] fds)
    {
        foreach (int fd in fds) LinuxSyscalls.Close(fd);
    }
}

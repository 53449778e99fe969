using System.Globalization;
using EventPoll.Interop;
using EventPoll.Tests.Misuse;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// A process with a given count of descriptor numbers left, for the paths that run out of them. Only for tests of the
/// <see cref="ProcessLimitCollection"/>: while the limit is lowered, any other test opening a file would fail.
/// </summary>
internal static class DescriptorsLeft
{
    /// <summary>
    /// Runs <paramref name="call"/> with exactly <paramref name="free"/> descriptor numbers left: RLIMIT_NOFILE lowered
    /// above the highest open one, every number below it taken by eventfds, then the last <paramref name="free"/> closed.
    /// The limit is restored and the eventfds closed afterwards.
    /// </summary>
    internal static void Run(int free, Action call)
    {
        Assert.Equal(0, LinuxSyscalls.GetRlimit(LinuxSyscalls.RlimitNoFile, out ulong soft, out ulong hard));
        int highest = Directory.GetFiles("/proc/self/fd").Max(path => int.Parse(Path.GetFileName(path), CultureInfo.InvariantCulture));
        var fillers = new Stack<int>();
        try
        {
            Assert.Equal(0, LinuxSyscalls.SetRlimit(LinuxSyscalls.RlimitNoFile, (ulong)(highest + 1 + free), hard));
            int fd;
            while ((fd = LinuxSyscalls.EventFd(0, Posix.O_CLOEXEC)) >= 0) fillers.Push(fd);
            Assert.Equal(-(int)Errno.EMFILE, fd);
            for (int i = 0; i < free; i++) LinuxSyscalls.Close(fillers.Pop());
            call();
        }
        finally
        {
            while (fillers.Count != 0) LinuxSyscalls.Close(fillers.Pop());
            LinuxSyscalls.SetRlimit(LinuxSyscalls.RlimitNoFile, soft, hard);
        }
    }

    /// <summary>How many eventfds can be made now (all closed again): the numbers a failed call left free.</summary>
    internal static int Free()
    {
        var made = new Stack<int>();
        int fd;
        while ((fd = LinuxSyscalls.EventFd(0, Posix.O_CLOEXEC)) >= 0) made.Push(fd);
        Assert.Equal(-(int)Errno.EMFILE, fd);
        int count = made.Count;
        while (made.Count != 0) LinuxSyscalls.Close(made.Pop());
        return count;
    }
}

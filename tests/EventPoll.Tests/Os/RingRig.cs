using System.Globalization;
using EventPoll.Interop;
using Xunit;

namespace EventPoll.Tests.Os;

/// <summary>
/// A <see cref="ReadinessRing"/> driven directly: a kernel epoll watching an OS eventfd, and the ring that polls it.
/// Each <see cref="Wake"/> wakes the epoll once and leaves the eventfd empty, so the epoll is never left ready.
/// </summary>
internal sealed class RingRig : IDisposable
{
    private const int EfdCloExec = 0x80000, EpollCloExec = 0x80000, CtlAdd = 1;

    internal RingRig()
    {
        Assert.Equal(0, ReadinessRing.Create(out ReadinessRing? ring));
        Ring = ring!;
        Epoll = LinuxSyscalls.EpollCreate1(EpollCloExec);
        EventFd = LinuxSyscalls.EventFd(0, EfdCloExec);
        Assert.True(Epoll >= 0 && EventFd >= 0, $"epoll_create1 {Epoll}, eventfd {EventFd}");
        Assert.Equal(0, LinuxSyscalls.EpollCtl(Epoll, CtlAdd, EventFd, new EpollEvent(EpollEvents.In, 1)));
    }

    /// <summary>A rig whose ring has armed its poll of the epoll (on this thread).</summary>
    internal static RingRig Armed()
    {
        var rig = new RingRig();
        Assert.Equal(0, rig.Ring.Arm(rig.Epoll));
        return rig;
    }

    /// <summary>The lengths of the process's io_uring mappings (/proc/self/maps), in bytes.</summary>
    internal static IEnumerable<long> MappingLengths() =>
        File.ReadLines("/proc/self/maps").Where(l => l.EndsWith("anon_inode:[io_uring]", StringComparison.Ordinal)).Select(l =>
        {
            string[] range = l[..l.IndexOf(' ', StringComparison.Ordinal)].Split('-');
            return long.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) - long.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }).ToList();

    internal ReadinessRing Ring { get; }

    /// <summary>The kernel epoll the ring polls.</summary>
    internal int Epoll { get; }

    /// <summary>The eventfd the epoll watches.</summary>
    internal int EventFd { get; }

    /// <summary>
    /// Wakes the epoll <paramref name="times"/> times: each write is one wakeup, whose completion this thread's task
    /// work posts before the write returns (when this thread armed the poll); the read empties the eventfd again.
    /// </summary>
    internal void Wake(int times = 1)
    {
        Span<byte> value = stackalloc byte[8];
        for (int i = 0; i < times; i++)
        {
            OsFd.Signal(EventFd);
            Assert.Equal(8, LinuxSyscalls.Read(EventFd, value));
        }
    }

    /// <summary>The kernel's account of the ring (its fdinfo).</summary>
    internal RingFdInfo FdInfo() => RingFdInfo.Of(Ring.Descriptor);

    public void Dispose()
    {
        Ring.Close();
        LinuxSyscalls.Close(EventFd);
        LinuxSyscalls.Close(Epoll);
    }
}

/// <summary>
/// What /proc/self/fdinfo shows of an io_uring (io_uring/fdinfo.c): the submission ring's head and tail as the kernel
/// and this process left them, the completion ring's, and the polls in force (PollList, one line each).
/// </summary>
internal sealed record RingFdInfo(uint SqHead, uint SqTail, uint CqHead, uint CqTail, int Polls)
{
    internal static RingFdInfo Of(int ringFd)
    {
        string[] lines = File.ReadAllLines($"/proc/self/fdinfo/{ringFd}");
        uint Field(string name) => uint.Parse(lines.Single(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
        int pollList = Array.IndexOf(lines, "PollList:");
        Assert.True(pollList >= 0, "no PollList in the ring's fdinfo (the ring's lock was taken)");
        int polls = lines.Skip(pollList + 1).TakeWhile(l => l.StartsWith("  op=", StringComparison.Ordinal)).Count();
        return new RingFdInfo(Field("SqHead"), Field("SqTail"), Field("CqHead"), Field("CqTail"), polls);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using EventPoll.Interop;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The system-call wrappers of Interop/LinuxSyscalls.cs against the running kernel: what a failed pipe2 or socketpair
/// reports, a span too short for two descriptors (NULL, so the kernel answers EFAULT rather than writing past it),
/// and timerfd_settime's split of a TimeSpan into seconds and nanoseconds. Mutation testing found each unpinned.
/// </summary>
public sealed partial class LinuxSyscallsMutationTests
{
    private const int Untouched = -7;

    [LinuxFact]
    public void APipe2TheKernelRefuses_ReportsNoDescriptors()
    {
        Assert.Equal(-(int)Errno.EINVAL, LinuxSyscalls.Pipe2(out int readFd, out int writeFd, flags: -1));
        Assert.Equal((-1, -1), (readFd, writeFd));
    }

    [LinuxFact]
    public void ASocketPairTheKernelRefuses_ReportsNoDescriptors()
    {
        Assert.Equal(-(int)Errno.EINVAL, LinuxSyscalls.SocketPair(Posix.AF_UNIX, type: -1, 0, out int first, out int second));
        Assert.Equal((-1, -1), (first, second));
    }

    [LinuxFact]
    public void APipe2IntoASpanOfOne_IsEfault_AndWritesNothingPastIt()
    {
        int[] backing = [Untouched, Untouched, Untouched];
        int r = LinuxSyscalls.Pipe2(backing.AsSpan(0, 1), Posix.O_CLOEXEC);
        CloseIfMade(r, backing);
        Assert.Equal(-(int)Errno.EFAULT, r);
        Assert.Equal([Untouched, Untouched, Untouched], backing);
    }

    [LinuxFact]
    public void ASocketPairIntoASpanOfOne_IsEfault_AndWritesNothingPastIt()
    {
        int[] backing = [Untouched, Untouched, Untouched];
        int r = LinuxSyscalls.SocketPair(Posix.AF_UNIX, Posix.SOCK_STREAM | Posix.O_CLOEXEC, 0, backing.AsSpan(0, 1));
        CloseIfMade(r, backing);
        Assert.Equal(-(int)Errno.EFAULT, r);
        Assert.Equal([Untouched, Untouched, Untouched], backing);
    }

    /// <summary>
    /// A one-shot timer armed for 1.5 s reads back (the kernel's fdinfo of the timerfd) as 1.5 s less the time since
    /// it was armed, which the stopwatch brackets: the seconds and the nanoseconds each reached the kernel.
    /// </summary>
    [LinuxFact]
    public void ATimerArmedForOneAndAHalfSeconds_ReadsBackAsOneAndAHalfSecondsLessTheTimeSince()
    {
        TimeSpan armed = TimeSpan.FromMilliseconds(1500);
        int fd = LinuxSyscalls.TimerFdCreate(Posix.CLOCK_MONOTONIC, Posix.O_CLOEXEC);
        Assert.True(fd >= 0, $"timerfd_create: {fd}");
        try
        {
            long start = Stopwatch.GetTimestamp();
            Assert.Equal(0, LinuxSyscalls.TimerFdSetTime(fd, armed));
            string fdInfo = File.ReadAllText($"/proc/self/fdinfo/{fd.ToString(CultureInfo.InvariantCulture)}");
            TimeSpan bracket = Stopwatch.GetElapsedTime(start);

            Match value = ItValue().Match(fdInfo);
            Assert.True(value.Success, fdInfo);
            long remainingNs = long.Parse(value.Groups[1].Value, CultureInfo.InvariantCulture) * 1_000_000_000
                + long.Parse(value.Groups[2].Value, CultureInfo.InvariantCulture);
            long armedNs = armed.Ticks * TimeSpan.NanosecondsPerTick;
            Assert.InRange(remainingNs, armedNs - (long)(bracket.TotalNanoseconds + 1_000_000), armedNs); // 1 ms for the timer's rounding
        }
        finally
        {
            LinuxSyscalls.Close(fd);
        }
    }

    /// <summary>The mutants make what the kernel refused; close it so the test leaks nothing when it fails.</summary>
    private static void CloseIfMade(int result, int[] fds)
    {
        if (result != 0) return;
        LinuxSyscalls.Close(fds[0]);
        LinuxSyscalls.Close(fds[1]);
    }

    [GeneratedRegex(@"^it_value: \((\d+), (\d+)\)$", RegexOptions.Multiline)]
    private static partial Regex ItValue();
}

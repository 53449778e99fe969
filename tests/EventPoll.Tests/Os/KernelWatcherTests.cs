using System.Reflection;
using EventPoll.Tests.Rules;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Os;

/// <summary>
/// The process-wide thread that wakes asynchronous waits for OS readiness (<see cref="KernelWatcher"/>): one thread
/// for every instance, named for its role, with its own wakeup eventfd that children do not inherit and that it
/// drains when woken. The watcher starts once per process, so these tests see the thread whichever test started it.
/// </summary>
public sealed class KernelWatcherTests : HandleOwner
{
    private const string ThreadName = "EventPoll kerne"; // "EventPoll kernel watcher", cut to Linux's 15 characters
    private const int OCloExec = 0x80000, ONonBlock = 0x800;

    private (Epoll Ep, SourceEnd Source) InstanceWithAnOsEventFd()
    {
        Epoll ep = Own(new Epoll(Table));
        SourceEnd source = Own(SourceEnd.Factory(SourceKind.Os).EventFd(Table));
        source.AddTo(ep, EpollEvents.In);
        return (ep, source);
    }

    private static T WatcherField<T>(string name) =>
        (T)typeof(KernelWatcher).GetField(name, BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;

    /// <summary>A field of /proc/self/fdinfo/<paramref name="fd"/>, as the kernel prints it.</summary>
    private static string FdInfo(int fd, string field) =>
        File.ReadAllLines($"/proc/self/fdinfo/{fd}").Single(l => l.StartsWith(field + ":", StringComparison.Ordinal))[(field.Length + 1)..].Trim();

    private static int WatcherThreads() => Directory.GetDirectories("/proc/self/task").Count(task =>
    {
        try
        {
            return File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == ThreadName;
        }
        catch (IOException)
        {
            return false; // the thread ended meanwhile
        }
    });

    [LinuxFact]
    public async Task OneNamedThread_WakesTheAsyncWaitsOfEveryInstance()
    {
        (Epoll a, SourceEnd sa) = InstanceWithAnOsEventFd();
        (Epoll b, SourceEnd sb) = InstanceWithAnOsEventFd();
        ValueTask<int> waitA = a.WaitAsync(new EpollEvent[1]);
        ValueTask<int> waitB = b.WaitAsync(new EpollEvent[1]);
        Assert.False(waitA.IsCompleted);
        Assert.False(waitB.IsCompleted);
        sa.Signal();
        Assert.Equal(1, await waitA.Bounded());
        sb.Signal();
        Assert.Equal(1, await waitB.Bounded());
        Assert.Equal(1, WatcherThreads());
    }

    [LinuxFact]
    public async Task TheWakeupEventfd_IsCloseOnExecAndNonBlocking_AndIsDrainedWhenTheThreadWakes()
    {
        (Epoll a, SourceEnd sa) = InstanceWithAnOsEventFd();
        (Epoll b, SourceEnd sb) = InstanceWithAnOsEventFd();
        ValueTask<int> waitA = a.WaitAsync(new EpollEvent[1]); // starts the watcher, if no test has yet
        int wakeFd = WatcherField<int>("s_wakeFd");
        Assert.Equal("anon_inode:[eventfd]", new FileInfo($"/proc/self/fd/{wakeFd}").LinkTarget);
        int flags = Convert.ToInt32(FdInfo(wakeFd, "flags"), 8); // the kernel prints them in octal
        Assert.Equal(OCloExec | ONonBlock, flags & (OCloExec | ONonBlock));

        // Arming b while the thread may be in poll(2) writes the eventfd: the thread must drain it when it wakes.
        Bounded.Until(() => WatcherField<int>("s_polling") != 0, "the watcher going back into poll(2)");
        ValueTask<int> waitB = b.WaitAsync(new EpollEvent[1]);
        sb.Signal();
        Assert.Equal(1, await waitB.Bounded());
        Bounded.Until(() => FdInfo(wakeFd, "eventfd-count") == "0", "the watcher draining its wakeup eventfd");
        sa.Signal();
        Assert.Equal(1, await waitA.Bounded());
    }
}

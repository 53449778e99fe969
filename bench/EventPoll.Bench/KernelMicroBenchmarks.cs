using BenchmarkDotNet.Attributes;
using EventPoll.Interop;

namespace EventPoll.Bench;

/// <summary>
/// The kernel counterparts of <see cref="MicroBenchmarks"/> (same names, same steps), one system call per step
/// through P/Invoke: the baseline the engine's per-operation cost is compared with.
/// </summary>
[MemoryDiagnoser]
public class KernelMicroBenchmarks
{
    private static readonly byte[] One = BitConverter.GetBytes(1UL);
    private readonly EpollEvent[] _events = new EpollEvent[8];
    private readonly byte[] _value = new byte[8];
    private int _epoll = -1, _signalled = -1, _spare = -1, _oneShot = -1;

    [GlobalSetup]
    public void Setup()
    {
        if (!LinuxSyscalls.EpollEventLayoutMatches) throw new PlatformNotSupportedException("kernel epoll needs Linux on x86-64");
        _epoll = Check(LinuxSyscalls.EpollCreate1(Posix.O_CLOEXEC));
        _signalled = Check(LinuxSyscalls.EventFd(0, Posix.O_NONBLOCK | Posix.O_CLOEXEC));
        _spare = Check(LinuxSyscalls.EventFd(0, Posix.O_NONBLOCK | Posix.O_CLOEXEC));
        _oneShot = Check(LinuxSyscalls.EventFd(0, Posix.O_NONBLOCK | Posix.O_CLOEXEC));
        Check(LinuxSyscalls.EpollCtl(_epoll, Posix.EPOLL_CTL_ADD, _signalled, new EpollEvent(EpollEvents.In, 1)));
        Check(LinuxSyscalls.EpollCtl(_epoll, Posix.EPOLL_CTL_ADD, _oneShot, new EpollEvent(EpollEvents.In | EpollEvents.OneShot, 3)));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (int fd in (int[])[_oneShot, _spare, _signalled, _epoll])
        {
            if (fd >= 0) LinuxSyscalls.Close(fd);
        }
    }

    /// <summary>write(2) the eventfd, epoll_wait(2) with timeout 0, read(2) it back.</summary>
    [Benchmark]
    public long SignalWaitConsume()
    {
        LinuxSyscalls.Write(_signalled, One);
        LinuxSyscalls.EpollWait(_epoll, _events, _events.Length, 0);
        return LinuxSyscalls.Read(_signalled, _value);
    }

    /// <summary>EPOLL_CTL_ADD then EPOLL_CTL_DEL of one descriptor.</summary>
    [Benchmark]
    public void AddDel()
    {
        LinuxSyscalls.EpollCtl(_epoll, Posix.EPOLL_CTL_ADD, _spare, new EpollEvent(EpollEvents.In, 2));
        LinuxSyscalls.EpollCtl(_epoll, Posix.EPOLL_CTL_DEL, _spare, default);
    }

    /// <summary>EPOLL_CTL_MOD re-arming a ONESHOT registration.</summary>
    [Benchmark]
    public int Modify() => LinuxSyscalls.EpollCtl(_epoll, Posix.EPOLL_CTL_MOD, _oneShot, new EpollEvent(EpollEvents.In | EpollEvents.OneShot, 3));

    private static int Check(int rc) => rc >= 0 ? rc : throw new InvalidOperationException($"system call failed: {(Errno)(-rc)}");
}

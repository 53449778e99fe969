using BenchmarkDotNet.Attributes;
using EventPoll.Interop;
using EventPoll.Reactor;

namespace EventPoll.Bench;

/// <summary>
/// The reactor's timer choice (issue 15 asks to measure it): re-arming a connection's header/idle deadline, once per
/// request, on the loop's <see cref="DeadlineList"/> among 10,000 connections, against re-arming a timerfd (the
/// alternative: one timerfd per connection, each re-arm a timerfd_settime).
/// </summary>
[MemoryDiagnoser]
public class ReactorTimerBenchmarks
{
    private const int Connections = 10_000;
    private readonly DeadlineList _list = new(60_000);
    private readonly Connection[] _connections = new Connection[Connections];
    private int _next;
    private int _timerFd = -1;

    [GlobalSetup]
    public void Setup()
    {
        for (int i = 0; i < Connections; i++)
        {
            _connections[i] = new Connection(null!, i);
            _list.Arm(_connections[i], i);
        }
        _timerFd = LinuxSyscalls.TimerFdCreate(Posix.CLOCK_MONOTONIC, Posix.O_NONBLOCK | Posix.O_CLOEXEC);
        if (_timerFd < 0) throw new InvalidOperationException($"timerfd_create failed: {-_timerFd}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_timerFd >= 0) LinuxSyscalls.Close(_timerFd);
    }

    /// <summary>Moves one connection (round-robin) to the end of the list with a new deadline.</summary>
    [Benchmark(Baseline = true)]
    public void DeadlineListRearm()
    {
        int i = _next;
        _next = i + 1 == Connections ? 0 : i + 1;
        _list.Arm(_connections[i], Connections + i);
    }

    /// <summary>timerfd_settime of a 60 s one-shot expiry.</summary>
    [Benchmark]
    public int TimerFdRearm() => LinuxSyscalls.TimerFdSetTime(_timerFd, TimeSpan.FromSeconds(60));
}

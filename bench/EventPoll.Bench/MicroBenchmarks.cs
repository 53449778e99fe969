using BenchmarkDotNet.Attributes;

namespace EventPoll.Bench;

/// <summary>Per-operation costs on one thread: the figures the kernel's syscall path is compared with.</summary>
[MemoryDiagnoser]
public class MicroBenchmarks
{
    private readonly EpollEvent[] _events = new EpollEvent[8];
    private DescriptorTable _table = null!;
    private Epoll _epoll = null!;
    private EventFd _signalled = null!;
    private EventFd _spare = null!;
    private EventFd _oneShot = null!;
    private Memory<EpollEvent> _buffer;

    [GlobalSetup]
    public void Setup()
    {
        _table = new DescriptorTable();
        _epoll = new Epoll(_table, new WatchAccount(1 << 20));
        _signalled = new EventFd(0, table: _table);
        _spare = new EventFd(0, table: _table);
        _oneShot = new EventFd(0, table: _table);
        _epoll.Add(_signalled, EpollEvents.In, 1);
        _epoll.Add(_oneShot, EpollEvents.In | EpollEvents.OneShot, 3);
        _buffer = _events;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _spare.Dispose();
        _oneShot.Dispose();
        _signalled.Dispose();
        _epoll.Dispose();
    }

    /// <summary>Write the eventfd, harvest its event, read it back.</summary>
    [Benchmark]
    public ulong SignalWaitConsume()
    {
        _signalled.Signal();
        _epoll.Wait(_events, 0);
        return _signalled.Consume();
    }

    /// <summary>Register and unregister one descriptor.</summary>
    [Benchmark]
    public void AddDel()
    {
        _epoll.Add(_spare, EpollEvents.In, 2);
        _epoll.Delete(_spare);
    }

    /// <summary>Re-arm a ONESHOT registration (the eponeshotmt waiter's MOD).</summary>
    [Benchmark]
    public void Modify() => _epoll.Modify(_oneShot, EpollEvents.In | EpollEvents.OneShot, 3);

    /// <summary>Write the eventfd, then WaitAsync (completes synchronously: the event is there), read it back.</summary>
    [Benchmark]
    public ulong SignalWaitAsyncConsume()
    {
        _signalled.Signal();
        ValueTask<int> wait = _epoll.WaitAsync(_buffer);
        if (!wait.IsCompleted || wait.Result != 1) throw new InvalidOperationException("WaitAsync did not complete at once");
        return _signalled.Consume();
    }
}

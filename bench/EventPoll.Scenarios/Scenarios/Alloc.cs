using EventPoll.Scenarios.Api;
using EventPoll.Scenarios.Measurement;

namespace EventPoll.Scenarios.Scenarios;

/// <summary>
/// GC bytes allocated per steady-state operation, through the public API a user calls (<see cref="Epoll"/>,
/// <see cref="EventFd"/>), and for the kernel through P/Invoke (the managed side of a system call). Counted
/// with GC.GetAllocatedBytesForCurrentThread, except the pending WaitAsync, whose harvest runs on the thread
/// pool and is counted process-wide (GC.GetTotalAllocatedBytes), so unrelated runtime activity can show as a
/// fraction of a byte.
/// </summary>
internal static class Alloc
{
    internal const string Name = "alloc";
    internal const string SignalWaitConsume = "signal+wait+consume", Mod = "MOD", WaitAsyncReady = "WaitAsync (ready)", WaitAsyncPending = "WaitAsync (pending)";

    internal static ScenarioResult Run(BenchOptions options)
    {
        int ops = options.Scale(100_000, 20_000, 200);
        var result = new ScenarioResult(Name, $"GC bytes allocated per steady-state operation (mean over {ops:N0})");
        string product = Variants.Label(Variant.Product);
        options.Report($"{Name}: {product}");
        using (var handles = new Handles())
        {
            result.Rows.Add(Bytes(product, SignalWaitConsume, ops, handles.SignalWaitConsume));
            result.Rows.Add(Bytes(product, Mod, ops, handles.Modify));
            result.Rows.Add(Bytes(product, WaitAsyncReady, ops, handles.WaitAsyncReady));
            result.Rows.Add(Bytes(product, WaitAsyncPending, ops, handles.WaitAsyncPending, processWide: true));
        }
        if (KernelApi.IsAvailable)
        {
            options.Report($"{Name}: kernel");
            var api = new KernelApi();
            int ep = (int)EpollApi.Check(api.CreateEpoll(), "epoll_create");
            int efd = (int)EpollApi.Check(api.CreateEventFd(), "eventfd");
            EpollApi.Check(api.Ctl(ep, (int)EpollOp.Add, efd, EpollEvents.In, 1), "ADD");
            var events = new EpollEvent[8];
            string kernel = Variants.Label(Variant.Kernel);
            result.Rows.Add(Bytes(kernel, SignalWaitConsume, ops, () =>
            {
                EpollApi.Check(api.Signal(efd), "write");
                if (api.Wait(ep, events, events.Length, 0) != 1) throw new InvalidOperationException("epoll_wait missed the eventfd");
                EpollApi.Check(api.Consume(efd), "read");
            }));
            result.Rows.Add(Bytes(kernel, Mod, ops, () => EpollApi.Check(api.Ctl(ep, (int)EpollOp.Mod, efd, EpollEvents.In | EpollEvents.OneShot, 1), "MOD")));
            api.Close(efd);
            api.Close(ep);
        }
        return result;
    }

    /// <summary>Runs <paramref name="op"/> to warm up, then <paramref name="ops"/> times between two allocation counts.</summary>
    internal static Row Bytes(string variant, string parameter, int ops, Action op, bool processWide = false)
    {
        for (int i = 0; i < Math.Max(1_000, ops / 10); i++) op();
        long before = processWide ? GC.GetTotalAllocatedBytes(precise: true) : GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < ops; i++) op();
        long after = processWide ? GC.GetTotalAllocatedBytes(precise: true) : GC.GetAllocatedBytesForCurrentThread();
        double perOp = (after - before) / (double)ops;
        return new Row(variant, parameter, perOp, Unit.Bytes, [perOp]);
    }

    /// <summary>An instance and an eventfd through the public handle API, with the operations measured.</summary>
    private sealed class Handles : IDisposable
    {
        private readonly DescriptorTable _table = new();
        private readonly Epoll _epoll;
        private readonly EventFd _efd;
        private readonly EventFd _modTarget;
        private readonly EpollEvent[] _events = new EpollEvent[8];
        private readonly Memory<EpollEvent> _buffer;
        private int _completed; // set by the continuation; polled (not blocked on) so the harness itself allocates nothing
        private readonly Action _onCompleted;

        internal Handles()
        {
            _epoll = new Epoll(_table, new WatchAccount(1 << 20));
            _efd = new EventFd(table: _table);
            _modTarget = new EventFd(table: _table);
            _epoll.Add(_efd, EpollEvents.In, 1);
            _epoll.Add(_modTarget, EpollEvents.In | EpollEvents.OneShot, 2);
            _buffer = _events;
            _onCompleted = () => Volatile.Write(ref _completed, 1);
        }

        internal void SignalWaitConsume()
        {
            _efd.Signal();
            if (_epoll.Wait(_events, 0) != 1) throw new InvalidOperationException("Wait missed the eventfd");
            _efd.Consume();
        }

        internal void Modify() => _epoll.Modify(_modTarget, EpollEvents.In | EpollEvents.OneShot, 2);

        /// <summary>The event is there before the call: WaitAsync completes synchronously.</summary>
        internal void WaitAsyncReady()
        {
            _efd.Signal();
            ValueTask<int> wait = _epoll.WaitAsync(_buffer);
            if (!wait.IsCompleted || wait.Result != 1) throw new InvalidOperationException("WaitAsync did not complete at once");
            _efd.Consume();
        }

        /// <summary>Nothing is ready: a pooled waiter is queued, the signal wakes it, the harvest completes the task.</summary>
        internal void WaitAsyncPending()
        {
            _completed = 0;
            ValueTask<int> wait = _epoll.WaitAsync(_buffer);
            if (wait.IsCompleted) throw new InvalidOperationException("WaitAsync completed before the signal");
            wait.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onCompleted); // no ExecutionContext capture, no allocation
            _efd.Signal();
            var spin = new SpinWait();
            while (Volatile.Read(ref _completed) == 0) spin.SpinOnce();
            if (wait.GetAwaiter().GetResult() != 1) throw new InvalidOperationException("WaitAsync did not return the eventfd");
            _efd.Consume();
        }

        public void Dispose()
        {
            _modTarget.Dispose();
            _efd.Dispose();
            _epoll.Dispose();
        }
    }
}

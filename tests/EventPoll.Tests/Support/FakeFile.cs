namespace EventPoll.Tests.Support;

/// <summary>A pollable file whose readiness a test sets directly; each change wakes the queue with the changed bits.</summary>
internal sealed class FakeFile : OpenFile
{
    private readonly WaitQueue _queue = new();
    private EpollEvents _mask;

    internal Action? OnPoll { get; set; }

    internal WaitQueue Queue => _queue;

    public override EpollEvents Poll(PollTable? table)
    {
        table?.Register(_queue);
        OnPoll?.Invoke();
        using (_queue.SyncRoot.EnterScope()) return _mask;
    }

    /// <summary>Sets the readiness and wakes with <paramref name="key"/> (default: the new mask).</summary>
    internal void Set(EpollEvents mask, EpollEvents? key = null)
    {
        using (_queue.SyncRoot.EnterScope())
        {
            _mask = mask;
            _queue.WakeLocked(key ?? mask);
        }
    }

    /// <summary>Wakes without changing the state.</summary>
    internal void Wake(EpollEvents key) => _queue.Wake(key);

    internal int Install(DescriptorTable table) => table.Install(this);
}

using EventPoll;

namespace CustomSource;

/// <summary>
/// A pollable source of one's own, written against EventPoll's public API only: a flag that is readable (EPOLLIN)
/// while it is set. Open it with <see cref="DescriptorHandle.Open"/> and watch the handle with an <see cref="Epoll"/>.
/// </summary>
public sealed class ReadyFlag : OpenFile
{
    private readonly WaitQueue _queue = new();
    private int _set;      // 1 while set; changed with interlocked operations, so each change is fenced before its wakeup
    private int _released; // 1 once the last descriptor is closed

    /// <summary>Whether the flag is set.</summary>
    public bool IsSet => Volatile.Read(ref _set) != 0;

    /// <summary>Whether the file's last descriptor was closed (its watches are gone then).</summary>
    public bool IsReleased => Volatile.Read(ref _released) != 0;

    /// <summary>Sets the flag; setting a clear flag is an edge, which wakes the watchers.</summary>
    public void Set()
    {
        if (Interlocked.Exchange(ref _set, 1) == 0) _queue.Wake(EpollEvents.In | EpollEvents.RdNorm);
    }

    /// <summary>Clears the flag. Nothing to wake: a watcher finds out on its next poll.</summary>
    public void Clear() => Interlocked.Exchange(ref _set, 0);

    /// <summary>Registers the queue first, then reads the state, so a <see cref="Set"/> in between is not missed.</summary>
    public override EpollEvents Poll(PollTable? table)
    {
        table?.Register(_queue);
        return IsSet ? EpollEvents.In | EpollEvents.RdNorm : EpollEvents.None;
    }

    /// <summary>Runs once, after the last descriptor is closed and the engine removed every watch.</summary>
    protected override void OnRelease() => Volatile.Write(ref _released, 1);
}

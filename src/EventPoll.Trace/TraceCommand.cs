namespace EventPoll.Trace;

/// <summary>
/// One parsed trace line. <see cref="Names"/> holds the descriptor names in the order the command
/// takes them (for <c>dup</c>: NEW then OLD; for <c>ctl</c>: EP then TARGET). Only the fields of the
/// command's own kind are meaningful.
/// </summary>
internal sealed record TraceCommand(int Line, string Text, CommandKind Kind, string[] Names)
{
    /// <summary>eventfd: the initial counter.</summary>
    public uint Initial { get; init; }

    /// <summary>eventfd: EFD_SEMAPHORE.</summary>
    public bool Semaphore { get; init; }

    /// <summary>ctl: 1 add, 2 del, 3 mod (the EPOLL_CTL_* values).</summary>
    public int Op { get; init; }

    /// <summary>ctl: the event mask.</summary>
    public EpollEvents Events { get; init; }

    /// <summary>ctl: the data cookie.</summary>
    public ulong Data { get; init; }

    /// <summary>write/read: the eventfd value, or the byte count.</summary>
    public ulong Count { get; init; }

    /// <summary>read: print the bytes read, not only their count (<c>bytes</c>).</summary>
    public bool ShowBytes { get; init; }

    /// <summary>shutdown: 0 rd, 1 wr, 2 rdwr (the SHUT_* values).</summary>
    public int How { get; init; }

    /// <summary>wait: maxevents, passed through unchecked.</summary>
    public int MaxEvents { get; init; }

    /// <summary>wait: the timeout in milliseconds.</summary>
    public int TimeoutMs { get; init; }

    /// <summary>True when the command binds its names (all of them, or only NEW for dup).</summary>
    public bool Binds(int nameIndex) => Kind switch
    {
        CommandKind.EventFd or CommandKind.Pipe or CommandKind.SocketPair or CommandKind.Epoll => true,
        CommandKind.Dup => nameIndex == 0,
        _ => false,
    };
}

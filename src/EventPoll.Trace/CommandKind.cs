namespace EventPoll.Trace;

/// <summary>The commands of trace format v1.</summary>
internal enum CommandKind
{
    EventFd,
    Pipe,
    SocketPair,
    Epoll,
    Dup,
    Close,
    Ctl,
    Write,
    Read,
    Shutdown,
    Wait,
    Poll,
    FdInfo,
}

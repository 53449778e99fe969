namespace EventPoll.Reactor;

/// <summary>
/// A protocol on a <see cref="TcpReactor"/>: one handler per loop (made by the reactor's factory), called only on
/// that loop's thread, so it needs no locks for its own state. Every call must return promptly: a loop serves all
/// its connections on one thread.
/// </summary>
public interface IConnectionHandler
{
    /// <summary>
    /// Bytes arrived: <paramref name="received"/> is everything received and not yet consumed (a request may span
    /// calls). Returns how many bytes it consumed; the rest is offered again, with more bytes after them, on the next
    /// call. Answer through <see cref="Connection.Write"/>; the loop sends what was written when this returns.
    /// </summary>
    int OnReceived(Connection connection, ReadOnlySpan<byte> received);

    /// <summary>The connection was accepted (before any bytes are offered).</summary>
    void OnOpened(Connection connection) { }

    /// <summary>The connection's descriptor was closed; <paramref name="reason"/> says why.</summary>
    void OnClosed(Connection connection, CloseReason reason) { }
}

/// <summary>Why a connection ended.</summary>
public enum CloseReason
{
    /// <summary>The handler closed it (<see cref="Connection.Close"/>), after its output was sent.</summary>
    Closed,

    /// <summary>The handler aborted it (<see cref="Connection.Abort"/>), or it threw.</summary>
    Aborted,

    /// <summary>The peer closed its end (end of stream), and everything owed to it was sent.</summary>
    PeerClosed,

    /// <summary>The peer reset the connection, or a receive or send failed.</summary>
    Failed,

    /// <summary>The header or idle timeout passed.</summary>
    TimedOut,

    /// <summary>More unconsumed input than <see cref="ReactorOptions.MaxUnconsumedInput"/>.</summary>
    InputTooLong,

    /// <summary>The reactor stopped (at once for an idle connection, at the stop deadline for a busy one).</summary>
    Stopped,
}

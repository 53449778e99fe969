using EventPoll.Interop;

namespace EventPoll.Reactor;

/// <summary>
/// The close path. A close with received bytes the handler left unread (a rejected request with more behind it)
/// lingers: the loop shuts down its sending side, reads and drops input until the peer's end of stream or
/// <see cref="LingerTimeoutMs"/>, then closes, because close(2) with unread input makes the kernel send a reset that
/// can destroy the response before the peer reads it (nginx's lingering_close does the same).
/// </summary>
public sealed partial class EventLoop
{
    private const long LingerTimeoutMs = 2_000;

    internal void CloseAfterFlush(Connection connection) => CloseAfterFlush(connection, CloseReason.Closed);

    private void CloseAfterFlush(Connection connection, CloseReason reason)
    {
        if (!connection.IsOpen || connection.CloseWhenFlushed) return;
        MarkCloseWhenFlushed(connection, reason);
        if (connection.Pending is null && _sendOwner != connection) Finish(connection);
    }

    /// <summary>Everything owed to a closing connection was sent: close it, or linger first if it sent more than was read.</summary>
    private void Finish(Connection connection)
    {
        if (!connection.LingerOnClose)
        {
            CloseNow(connection, connection.CloseReasonWhenFlushed);
            return;
        }
        SocketCalls.Shutdown(connection.Fd, SocketCalls.ShutWrite); // our FIN: the peer sees the response end
        // Stryker disable once Statement : the input buffer is returned at the close anyway, and a lingering read does not use it (memory held up to the linger timeout)
        ReturnInput(connection);
        connection.Lingering = true;
        _lingerTimers.Arm(connection, _now); // an unregistered connection is mid-accept: AcceptReady registers it next
        // Stryker disable once Statement,Boolean : what is unread now is read on: by Receive's next turn (after a full read; a short one drained the socket), or by Dispatch's Receive after FlushPending (the event carries EPOLLIN)
        if (connection.IsOpen) DrainLingering(connection);
    }

    /// <summary>Reads and drops a lingering connection's input; closes it at the peer's end of stream (or a failure).</summary>
    private void DrainLingering(Connection connection)
    {
        while (true)
        {
            int n = SocketCalls.Receive(connection.Fd, _receive);
            // Stryker disable once Unary : recv(2) on a non-blocking socket never sleeps, so it never fails with EINTR
            if (n > 0 || n == -(int)Errno.EINTR) continue;
            if (n == -(int)Errno.EAGAIN) return;
            CloseNow(connection, connection.CloseReasonWhenFlushed); // 0: the peer closed too; or it reset
            return;
        }
    }

    private static void MarkCloseWhenFlushed(Connection connection, CloseReason reason)
    {
        connection.CloseWhenFlushed = true;
        connection.CloseReasonWhenFlushed = reason;
    }

    /// <summary>
    /// Closes the descriptor (which also ends its kernel registration: the reactor never duplicates it), frees the
    /// buffers and the slot, and tells the handler. Events already queued for it resolve to nothing (a new generation).
    /// </summary>
    internal void CloseNow(Connection connection, CloseReason reason)
    {
        if (!connection.IsOpen) return;
        if (_sendOwner == connection)
        {
            _sendOwner = null;
            _sendLength = 0;
        }
        connection.TimerList?.Remove(connection);
        SocketCalls.Close(connection.Fd);
        connection.Fd = -1;
        ReturnInput(connection);
        if (connection.Pending is byte[] pending)
        {
            // Stryker disable once Statement : a buffer not returned is only left to the garbage collector, and the next rent allocates (pool reuse, not behaviour)
            ReturnOutput(pending);
            connection.Pending = null;
        }
        _connections.Return(connection);
        try
        {
            _handler.OnClosed(connection, reason);
        }
        catch (Exception ex)
        {
            Report(ex);
        }
    }
}

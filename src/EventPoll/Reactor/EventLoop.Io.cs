using EventPoll.Interop;

namespace EventPoll.Reactor;

/// <summary>
/// The connection path: accept, receive, send, close. Connections are registered edge-triggered for input and
/// read-hangup (nginx's choice: one registration for the connection's life and no re-arming). A receive shorter than
/// the buffer means the socket was drained, since any later byte raises a new edge, so a request costs one recv,
/// not a recv plus an EAGAIN. EPOLLOUT is added only the first time a send would block, and then kept.
/// </summary>
public sealed partial class EventLoop
{
    private const EpollEvents ConnectionEvents = EpollEvents.In | EpollEvents.RdHup | EpollEvents.EdgeTriggered;
    private const int AcceptsPerEvent = 32; // then back to the wait, so one busy listener cannot starve the connections

    private void AcceptReady()
    {
        for (int i = 0; i < AcceptsPerEvent && _listener >= 0; i++)
        {
            int fd = SocketCalls.Accept(_listener);
            if (fd < 0) return; // EAGAIN (another loop took it, or none left), or a transient error: the listener stays registered
            Connection connection = _connections.Take(fd);
            _headerTimers.Arm(connection, _now);
            if (!Opened(connection)) continue;
            // With TCP_DEFER_ACCEPT the request is usually there already: read it before registering, so a one-request
            // connection is answered and closed without ever entering the epoll set.
            if (_options.DeferAccept) Receive(connection, untilDrained: false);
            FlushSendBuffer(); // what OnOpened wrote (a greeting): no Deliver may come to send it
            if (connection.IsOpen && !connection.Registered) Register(connection);
        }
    }

    private void Register(Connection connection)
    {
        EpollEvents events = ConnectionEvents | (connection.Pending is null ? EpollEvents.None : EpollEvents.Out);
        int r = _instance.CtlOs((int)EpollOp.Add, connection.Fd, (uint)events, ConnectionTable.Word(connection));
        if (r < 0)
        {
            CloseNow(connection, CloseReason.Failed); // ENOMEM or ENOSPC (max_user_watches): the connection cannot be served
            return;
        }
        connection.Registered = true;
        connection.WatchesOutput = connection.Pending is not null;
    }

    /// <summary>
    /// Reads until the socket is drained (a short read, or EAGAIN; to the end of stream when <paramref name="untilDrained"/>,
    /// as after a hangup no further edge comes), handing the bytes to the handler as they come.
    /// </summary>
    private void Receive(Connection connection, bool untilDrained)
    {
        while (connection.IsOpen)
        {
            if (connection.Lingering)
            {
                DrainLingering(connection);
                return;
            }
            if (connection.Pending is not null)
            {
                // Stryker disable once Boolean : Dispatch reads after FlushPending anyway: the EPOLLOUT event that drains the output carries EPOLLIN while bytes wait unread
                connection.ReadDeferred = true; // the peer is not taking our output: stop reading until it does
                return;
            }
            bool owned = connection.Input is not null;
            Span<byte> target = owned ? connection.Input.AsSpan(connection.InputLength) : _receive;
            if (target.IsEmpty)
            {
                CloseNow(connection, CloseReason.InputTooLong); // the handler let a partial request pass its limit
                // Stryker disable once Statement : the recv on the closed descriptor (-1) fails with EBADF, CloseNow ignores the closed connection, and the loop ends
                return;
            }
            int n = SocketCalls.Receive(connection.Fd, target);
            if (n > 0)
            {
                ReadOnlySpan<byte> received = owned ? connection.Input.AsSpan(0, connection.InputLength + n) : _receive.AsSpan(0, n);
                Deliver(connection, received, owned);
                // Stryker disable once Statement : without the break the loop reads again and gets EAGAIN: a short read drained the socket
                if (n < target.Length && !untilDrained) break;
                continue;
            }
            if (n == 0)
            {
                CloseAfterFlush(connection, CloseReason.PeerClosed); // end of stream: what came before it was answered above
                // Stryker disable once Statement : it closed at once (Receive runs only with no output owed, after the flush, and no close lingers here), so the fall-through's CloseNow finds it closed
                return;
            }
            if (n == -(int)Errno.EAGAIN) break;
            // Stryker disable once Unary,Statement : recv(2) on a non-blocking socket never sleeps, so it never fails with EINTR
            if (n == -(int)Errno.EINTR) continue;
            CloseNow(connection, CloseReason.Failed); // ECONNRESET and the like
            // Stryker disable once Statement : the loop's condition is false once CloseNow ran, and what follows checks IsOpen
            return;
        }
        if (connection.IsOpen && !connection.CloseWhenFlushed) AfterInput(connection);
    }

    /// <summary>Hands <paramref name="received"/> to the handler, sends its answer, and keeps what it did not consume.</summary>
    private void Deliver(Connection connection, ReadOnlySpan<byte> received, bool owned)
    {
        int consumed;
        try
        {
            consumed = _handler.OnReceived(connection, received);
        }
        catch (Exception ex)
        {
            Report(ex);
            CloseNow(connection, CloseReason.Aborted);
            return;
        }
        if ((uint)consumed > (uint)received.Length)
        {
            Report(new InvalidOperationException($"the handler consumed {consumed} of {received.Length} bytes"));
            CloseNow(connection, CloseReason.Aborted);
            return;
        }
        if (consumed > 0) connection.HasConsumed = true;
        if (connection.CloseWhenFlushed && consumed < received.Length) connection.LingerOnClose = true; // see EventLoop.Close.cs
        FlushSendBuffer();
        if (!connection.IsOpen || connection.CloseWhenFlushed) return;
        KeepUnconsumed(connection, received[consumed..], owned);
    }

    /// <summary>Keeps <paramref name="rest"/> at the start of the connection's input buffer (renting or returning one as needed).</summary>
    private void KeepUnconsumed(Connection connection, ReadOnlySpan<byte> rest, bool owned)
    {
        if (rest.IsEmpty)
        {
            if (owned) ReturnInput(connection);
            return;
        }
        if (rest.Length > _inputBuffers.Size)
        {
            CloseNow(connection, CloseReason.InputTooLong);
            return;
        }
        // Stryker disable once Assignment : renting again when one is held only loses the held buffer to the garbage collector (pool reuse, not behaviour)
        connection.Input ??= _inputBuffers.Rent();
        rest.CopyTo(connection.Input); // overlapping moves (owned) are safe: CopyTo handles overlap
        connection.InputLength = rest.Length;
    }

    private void ReturnInput(Connection connection)
    {
        if (connection.Input is null) return;
        // Stryker disable once Statement : a buffer not returned is only left to the garbage collector, and the next rent allocates (pool reuse, not behaviour)
        _inputBuffers.Return(connection.Input);
        connection.Input = null;
        connection.InputLength = 0;
    }

    /// <summary>After a round of input: the stop's "close when idle", and the timer that now applies.</summary>
    private void AfterInput(Connection connection)
    {
        if (_stopping && IsIdle(connection))
        {
            CloseAfterFlush(connection, CloseReason.Stopped);
            // Stryker disable once Statement : the connection closed at once (idle: nothing owed, and no close lingers outside a handler's), so the fall-through only arms a timer of a closed connection, which the loop ends with it or finds closed
            return;
        }
        // A partial request keeps the deadline its first byte started (slowloris gets no extension per byte); a
        // connection between requests gets a fresh idle deadline; one that never sent a request stays on the header one.
        if (connection.InputLength > 0 || !connection.HasConsumed)
        {
            if (connection.TimerList != _headerTimers) _headerTimers.Arm(connection, _now);
        }
        else
        {
            _idleTimers.Arm(connection, _now);
        }
    }

    /// <summary>Between requests: no partial input and no output owed.</summary>
    private bool IsIdle(Connection connection)
        => connection.Lingering || connection.InputLength == 0 && connection.Pending is null && _sendOwner != connection;

    /// <summary>Tells the handler of a new connection; a throw is reported and aborts the connection. False when it threw.</summary>
    private bool Opened(Connection connection)
    {
        try
        {
            _handler.OnOpened(connection);
            return true;
        }
        catch (Exception ex)
        {
            Report(ex);
            CloseNow(connection, CloseReason.Aborted);
            // Stryker disable once Boolean : the connection is closed, and the accept's later steps check IsOpen
            return false;
        }
    }
}

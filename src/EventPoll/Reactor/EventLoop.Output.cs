using EventPoll.Interop;

namespace EventPoll.Reactor;

/// <summary>
/// The output path. A handler's writes go into the loop's one send buffer, sent in one send(2) when the handler
/// returns (or earlier, when another connection writes or the buffer fills); only what the socket refuses is copied
/// into the connection's own pending buffer, which drains on EPOLLOUT while reading that connection pauses.
/// </summary>
public sealed partial class EventLoop
{
    // Where the span of the last GetSpan points, for Advance.
    private enum WriteTarget : byte { None, SendBuffer, Pending, Discard }

    private WriteTarget _writeTarget;
    private byte[]? _discard; // the span given for writes to a closed connection (they are dropped)

    /// <summary>Queues <paramref name="data"/> for <paramref name="connection"/> (see <see cref="Connection.Write"/>).</summary>
    internal void Append(Connection connection, ReadOnlySpan<byte> data)
    {
        // Stryker disable once Logical,Statement : a fast path: an empty write commits nothing, and GetSpan gives a closed connection the discard buffer
        if (data.IsEmpty || !connection.IsOpen) return;
        // Stryker disable once Equality : a write the size of the send buffer goes through it or straight to the socket: the same bytes in the same order
        if (data.Length <= _send.Length)
        {
            data.CopyTo(GetSpan(connection, data.Length));
            Advance(connection, data.Length);
            return;
        }
        // Larger than the send buffer: straight to the socket, after what was written before.
        if (_sendOwner is not null) FlushSendBuffer();
        // Stryker disable once Statement : SendOrKeep to a closed connection sends to descriptor -1 (EBADF), and its CloseNow does nothing
        if (!connection.IsOpen) return;
        if (connection.Pending is null) SendOrKeep(connection, data);
        else KeepPending(connection, data);
    }

    /// <summary>A span of at least <paramref name="sizeHint"/> bytes to write into (see <see cref="Connection.GetSpan"/>).</summary>
    internal Span<byte> GetSpan(Connection connection, int sizeHint)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sizeHint, _send.Length);
        sizeHint = Math.Max(sizeHint, 1);
        // Stryker disable once Logical : the test below repeats both after the flush; letting more through only sends another connection's bytes earlier
        if (connection.IsOpen && connection.Pending is null)
        {
            if (_sendOwner is not null && (_sendOwner != connection || _send.Length - _sendLength < sizeHint)) FlushSendBuffer();
            if (connection.IsOpen && connection.Pending is null)
            {
                _sendOwner = connection;
                _writeTarget = WriteTarget.SendBuffer;
                return _send.AsSpan(_sendLength);
            }
        }
        if (!connection.IsOpen)
        {
            _writeTarget = WriteTarget.Discard;
            // Stryker disable once Assignment : nothing reads the discard buffer; a new one per span only allocates
            return _discard ??= new byte[_send.Length];
        }
        // The socket refused earlier output: write behind it, to be sent on EPOLLOUT.
        ReservePending(connection, sizeHint);
        _writeTarget = WriteTarget.Pending;
        return connection.Pending.AsSpan(connection.PendingEnd);
    }

    /// <summary>Commits <paramref name="count"/> bytes written into the last <see cref="GetSpan"/>.</summary>
    internal void Advance(Connection connection, int count)
    {
        WriteTarget target = _writeTarget;
        _writeTarget = WriteTarget.None;
        switch (target)
        {
            case WriteTarget.SendBuffer when _sendOwner == connection:
                ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)count, (uint)(_send.Length - _sendLength), nameof(count));
                _sendLength += count;
                return;
            case WriteTarget.Pending when connection.Pending is not null:
                ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)count, (uint)(connection.Pending.Length - connection.PendingEnd), nameof(count));
                connection.PendingEnd += count;
                return;
            case WriteTarget.Discard:
                return;
            default:
                throw new InvalidOperationException("Advance must follow a GetSpan of the same connection, with no other write between them");
        }
    }

    /// <summary>Sends what the handler wrote for the connection that owns the send buffer.</summary>
    private void FlushSendBuffer()
    {
        Connection? owner = _sendOwner;
        if (owner is null) return;
        int length = _sendLength;
        _sendOwner = null;
        _sendLength = 0;
        // The last bytes before a plain close go with MSG_MORE: the close that follows at once puts its FIN into their
        // segment, so the peer gets one segment, not two (a connection-per-request server's commonest exchange).
        // Stryker disable once Unary : MSG_MORE only merges the bytes with the FIN into one segment; a linger's shutdown right after pushes them the same
        SendOrKeep(owner, _send.AsSpan(0, length), more: owner.CloseWhenFlushed && !owner.LingerOnClose);
        if (owner.IsOpen && owner.CloseWhenFlushed && owner.Pending is null) Finish(owner);
    }

    /// <summary>One send; what the socket does not take waits in the connection's pending buffer for EPOLLOUT.</summary>
    private void SendOrKeep(Connection connection, ReadOnlySpan<byte> data, bool more = false)
    {
        int sent = SocketCalls.Send(connection.Fd, data, more);
        while (sent == -(int)Errno.EINTR) sent = SocketCalls.Send(connection.Fd, data, more);
        if (sent == data.Length) return;
        if (sent < 0 && sent != -(int)Errno.EAGAIN)
        {
            // Stryker disable once Statement : kept instead, the bytes meet the same error at the EPOLLOUT the failed socket raises at once: closed as Failed all the same
            CloseNow(connection, CloseReason.Failed); // EPIPE, ECONNRESET: the peer is gone
            return;
        }
        KeepPending(connection, data[Math.Max(sent, 0)..]);
        WatchOutput(connection);
    }

    private void KeepPending(Connection connection, ReadOnlySpan<byte> data)
    {
        ReservePending(connection, data.Length);
        data.CopyTo(connection.Pending.AsSpan(connection.PendingEnd));
        connection.PendingEnd += data.Length;
    }

    /// <summary>
    /// Makes room for <paramref name="length"/> more bytes at the end of the connection's pending output (renting its
    /// buffer from the loop's pool, or compacting and growing it for a handler that writes faster than the peer reads).
    /// Pending output exists only while the socket refuses more: it is sent on EPOLLOUT.
    /// </summary>
    private void ReservePending(Connection connection, int length)
    {
        byte[]? pending = connection.Pending;
        if (pending is null)
        {
            connection.Pending = length <= _outputBuffers.Size ? _outputBuffers.Rent() : new byte[length];
            connection.PendingStart = connection.PendingEnd = 0;
            return;
        }
        // Stryker disable once Statement : compacting a buffer that has room only moves the held bytes to its start
        if (pending.Length - connection.PendingEnd >= length) return;
        int held = connection.PendingEnd - connection.PendingStart;
        byte[] target = held + length <= pending.Length ? pending : new byte[Math.Max(pending.Length * 2, held + length)];
        pending.AsSpan(connection.PendingStart, held).CopyTo(target);
        // Stryker disable once Statement : an outgrown buffer not given back to the pool is only collected instead
        if (target != pending) ReturnOutput(pending);
        connection.Pending = target;
        connection.PendingStart = 0;
        connection.PendingEnd = held;
    }

    private void WatchOutput(Connection connection)
    {
        if (!connection.IsOpen || connection.WatchesOutput || !connection.Registered) return; // Register adds it for a new one
        int r = _instance.CtlOs((int)EpollOp.Mod, connection.Fd, (uint)(ConnectionEvents | EpollEvents.Out), ConnectionTable.Word(connection));
        // Stryker disable once Statement : MOD of an open, registered descriptor cannot fail (its mask is fixed), and without the flag the next blocked send repeats the same MOD
        if (r < 0) CloseNow(connection, CloseReason.Failed);
        // Stryker disable once Boolean : without the flag the next blocked send repeats the same MOD, which changes nothing
        else connection.WatchesOutput = true;
    }

    /// <summary>EPOLLOUT: sends the pending output; once it is all gone, reads what waited, or closes if asked to.</summary>
    private void FlushPending(Connection connection)
    {
        byte[] pending = connection.Pending!;
        while (connection.PendingStart < connection.PendingEnd)
        {
            int sent = SocketCalls.Send(connection.Fd, pending.AsSpan(connection.PendingStart, connection.PendingEnd - connection.PendingStart));
            // Stryker disable once Statement : send(2) on a non-blocking socket never sleeps, so no signal interrupts it (EINTR)
            if (sent == -(int)Errno.EINTR) continue;
            if (sent == -(int)Errno.EAGAIN) return;
            if (sent < 0)
            {
                CloseNow(connection, CloseReason.Failed);
                return;
            }
            connection.PendingStart += sent;
        }
        // Stryker disable once Statement : a drained buffer not given back to the pool is only collected instead
        ReturnOutput(pending);
        connection.Pending = null;
        if (connection.CloseWhenFlushed)
        {
            Finish(connection);
            return;
        }
        if (connection.ReadDeferred)
        {
            // Stryker disable once Boolean : a flag left set makes a later drain Receive (to EAGAIN, then AfterInput) instead of calling AfterInput
            connection.ReadDeferred = false;
            // Stryker disable once Boolean : Dispatch follows with its own Receive, to the end of stream when the event (the socket's state as harvested) has RDHUP
            Receive(connection, untilDrained: true); // no edge will come for bytes that arrived while we were not reading
        }
        else
        {
            AfterInput(connection);
        }
    }

    private void ReturnOutput(byte[] buffer)
    {
        // Stryker disable once Statement : a buffer not given back to the pool is only collected instead
        if (buffer.Length == _outputBuffers.Size) _outputBuffers.Return(buffer);
    }
}

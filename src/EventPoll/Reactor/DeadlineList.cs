namespace EventPoll.Reactor;

/// <summary>
/// Connections waiting for one timeout, in deadline order. Every deadline on a list is "now + the same timeout", so
/// appending keeps the order and arming, re-arming and cancelling are O(1) link changes with no system call (a
/// timerfd per connection would cost a timerfd_settime per request; a wheel or heap buys nothing when every timeout
/// is equal). The loop's wait ends at the earliest head. Links live in the connections; loop thread only.
/// </summary>
internal sealed class DeadlineList(long timeoutMs)
{
    private Connection? _head;
    private Connection? _tail;

    /// <summary>The timeout every deadline on this list adds to its arming time.</summary>
    internal long TimeoutMs { get; } = timeoutMs;

    /// <summary>The earliest deadline, or long.MaxValue when empty.</summary>
    internal long Earliest => _head?.Deadline ?? long.MaxValue;

    /// <summary>Moves <paramref name="connection"/> (off any list) to the end of this one, due at <paramref name="now"/> + the timeout.</summary>
    internal void Arm(Connection connection, long now)
    {
        connection.TimerList?.Remove(connection);
        connection.Deadline = now + TimeoutMs;
        connection.TimerList = this;
        connection.TimerPrevious = _tail;
        connection.TimerNext = null;
        if (_tail is null) _head = connection;
        else _tail.TimerNext = connection;
        _tail = connection;
    }

    /// <summary>Takes <paramref name="connection"/> off this list.</summary>
    internal void Remove(Connection connection)
    {
        // Stryker disable once Statement,String : a removed Debug.Assert (or its message)
        System.Diagnostics.Debug.Assert(connection.TimerList == this, "a connection is removed from the list it is on");
        if (connection.TimerPrevious is null) _head = connection.TimerNext;
        else connection.TimerPrevious.TimerNext = connection.TimerNext;
        if (connection.TimerNext is null) _tail = connection.TimerPrevious;
        else connection.TimerNext.TimerPrevious = connection.TimerPrevious;
        connection.TimerList = null;
        connection.TimerPrevious = connection.TimerNext = null;
    }

    /// <summary>The first connection due at <paramref name="now"/>, taken off the list; null when none is.</summary>
    internal Connection? TakeDue(long now)
    {
        Connection? head = _head;
        if (head is null || head.Deadline > now) return null;
        Remove(head);
        return head;
    }
}

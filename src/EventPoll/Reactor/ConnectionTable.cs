namespace EventPoll.Reactor;

/// <summary>
/// A loop's connections by slot, with the epoll data words that name them. A word is the slot's generation (31 bits)
/// above the slot number (32 bits); closing a connection bumps its slot's generation, so an event queued for it
/// before the close (in the batch being dispatched, or in the kernel) resolves to nothing instead of reaching the
/// connection that reuses the slot (the stale-event trap of early .NET, corefx #6173). Words stay far below the
/// engine's reserved top 2^32 values. Used only on the loop's thread: no locks.
/// </summary>
internal sealed class ConnectionTable(EventLoop loop)
{
    private const uint GenerationMask = 0x7FFF_FFFF;

    private Connection[] _slots = [];
    private int[] _free = [];
    private int _freeCount;
    private int _used;

    /// <summary>Connections open now.</summary>
    internal int Count { get; private set; }

    /// <summary>The epoll data word of <paramref name="connection"/> as it is now.</summary>
    internal static ulong Word(Connection connection) => (ulong)connection.Generation << 32 | (uint)connection.Slot;

    /// <summary>A connection object for a new descriptor: a free slot's (its generation bumped), or a new one.</summary>
    internal Connection Take(int fd)
    {
        Connection connection;
        if (_freeCount > 0)
        {
            connection = _slots[_free[--_freeCount]];
        }
        else
        {
            if (_used == _slots.Length) Grow();
            connection = _slots[_used] = new Connection(loop, _used);
            _used++;
        }
        connection.Generation = connection.Generation == GenerationMask ? 1 : connection.Generation + 1;
        connection.Open(fd);
        Count++;
        return connection;
    }

    /// <summary>Returns a closed connection's slot; its generation moves on with the next <see cref="Take"/>.</summary>
    internal void Return(Connection connection)
    {
        // Stryker disable once Statement,String,Equality : a removed Debug.Assert (or its message), or its condition weakened to <= 0, which holds wherever < 0 does
        System.Diagnostics.Debug.Assert(connection.Fd < 0, "only a closed connection's slot is reused");
        _free[_freeCount++] = connection.Slot;
        Count--;
    }

    /// <summary>The open connection a data word names, or null if it was closed since (or the slot is reused).</summary>
    internal Connection? Resolve(ulong word)
    {
        uint slot = (uint)word;
        if (slot >= (uint)_used) return null;
        Connection connection = _slots[slot];
        // Stryker disable once Bitwise : word is a ulong, so >>> shifts in zeros as >> does
        return connection.Generation == (uint)(word >> 32) && connection.Fd >= 0 ? connection : null;
    }

    /// <summary>The open connection <paramref name="id"/> names, or null.</summary>
    internal Connection? Resolve(ConnectionId id) => Resolve((ulong)id.Generation << 32 | (uint)id.Slot);

    /// <summary>Every open connection (for a stop), in slot order.</summary>
    internal IEnumerable<Connection> Open()
    {
        for (int i = 0; i < _used; i++)
        {
            if (_slots[i].Fd >= 0) yield return _slots[i];
        }
    }

    private void Grow()
    {
        int size = Math.Max(64, _slots.Length * 2);
        Array.Resize(ref _slots, size);
        Array.Resize(ref _free, size);
    }
}

namespace EventPoll;

/// <summary>
/// A user's epoll watch count and its limit (Linux: <c>user_struct.epoll_watches</c> against
/// <c>/proc/sys/fs/epoll/max_user_watches</c>). Every registration is charged to the account of the
/// instance it belongs to; ADD fails with ENOSPC at the limit; removal releases the charge.
/// </summary>
public sealed class WatchAccount
{
    /// <summary>Linux's per-watch cost on 64-bit (sizeof epitem + eppoll_entry, about 160 bytes).</summary>
    public const long BytesPerWatch = 160;

    private long _watches;
    private long _maxWatches;

    /// <summary>The process-wide default account, whose limit follows Linux's boot-time formula.</summary>
    public static WatchAccount Default { get; } = new();

    /// <summary>
    /// Creates an account. The default limit is Linux's: 4% of total memory divided by
    /// <see cref="BytesPerWatch"/> (about 6.7 million watches per 24 GiB).
    /// </summary>
    public WatchAccount() : this(DefaultMaxWatches()) { }

    /// <summary>Creates an account with an explicit limit.</summary>
    public WatchAccount(long maxWatches)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxWatches);
        _maxWatches = maxWatches;
    }

    /// <summary>The limit (max_user_watches). Lowering it below <see cref="Watches"/> only stops new ADDs.</summary>
    public long MaxWatches
    {
        get => Volatile.Read(ref _maxWatches);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            Volatile.Write(ref _maxWatches, value);
        }
    }

    /// <summary>Watches currently charged.</summary>
    public long Watches => Volatile.Read(ref _watches);

    /// <summary>Linux's default: <c>(totalram / 25) / EP_ITEM_COST</c>.</summary>
    public static long DefaultMaxWatches() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 25 / BytesPerWatch;

    internal bool TryCharge()
    {
        long watches = Volatile.Read(ref _watches);
        while (watches < MaxWatches)
        {
            long seen = Interlocked.CompareExchange(ref _watches, watches + 1, watches);
            if (seen == watches) return true;
            watches = seen;
        }
        return false;
    }

    internal void Uncharge() => Interlocked.Decrement(ref _watches);
}

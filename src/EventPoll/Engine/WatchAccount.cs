using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EventPoll;

/// <summary>
/// A user's epoll watch count and its limit (Linux: <c>user_struct.epoll_watches</c> against
/// <c>/proc/sys/fs/epoll/max_user_watches</c>). Every registration is charged to the account of the
/// instance it belongs to; ADD fails with ENOSPC at the limit; removal releases the charge.
/// </summary>
/// <remarks>
/// As in Linux, the check and the charge are two steps: one thread meets the limit exactly, but ADDs racing on
/// several threads at the very limit may overshoot it by a few, as the kernel's percpu counter may.
/// </remarks>
public sealed class WatchAccount
{
    /// <summary>Linux's per-watch cost on 64-bit (sizeof epitem + eppoll_entry, about 160 bytes).</summary>
    public const long BytesPerWatch = 160;

    // The count is split like Linux's percpu_counter: each processor's stripe collects up to FoldBatch charges or
    // releases of its own, and only then folds them into _folded, so ADD and removal on different processors do not
    // bounce one cache line. The true count is _folded plus every stripe.
    private const int FoldBatch = 32; // Linux: percpu_counter_batch
    private readonly Stripe[] _stripes = new Stripe[(int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount, 1, 64))];
    private readonly ShortLock _foldLock = new(); // serialises folds and exact sums (Linux: fbc->lock)
    private long _folded;                         // under _foldLock for writes; read lock-free as an estimate
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

    /// <summary>Watches currently charged (an exact sum over the processors' stripes).</summary>
    public long Watches
    {
        get
        {
            using (_foldLock.EnterScope()) return ExactSumLocked();
        }
    }

    /// <summary>Linux's default: <c>(totalram / 25) / EP_ITEM_COST</c>.</summary>
    public static long DefaultMaxWatches() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 25 / BytesPerWatch;

    /// <summary>
    /// Charges one watch unless the limit is reached (Linux: ep_insert's percpu_counter_compare, then the
    /// increment). Far below the limit the estimate decides and the charge lands on this processor's stripe;
    /// near it the exact sum is taken under the fold lock, so a single thread sees ENOSPC at exactly the limit.
    /// </summary>
    internal bool TryCharge()
    {
        long max = MaxWatches;
        if (Volatile.Read(ref _folded) + (long)_stripes.Length * FoldBatch < max)
        {
            AddToStripe(1);
            return true;
        }
        using (_foldLock.EnterScope())
        {
            if (ExactSumLocked() >= max) return false;
            Volatile.Write(ref _folded, _folded + 1);
            return true;
        }
    }

    internal void Uncharge() => AddToStripe(-1);

    private void AddToStripe(int delta)
    {
        ref long stripe = ref _stripes[Thread.GetCurrentProcessorId() & (_stripes.Length - 1)].Count;
        long local = Interlocked.Add(ref stripe, delta);
        if (Math.Abs(local) < FoldBatch) return;
        using (_foldLock.EnterScope())
        {
            Volatile.Write(ref _folded, _folded + Interlocked.Exchange(ref stripe, 0));
        }
    }

    private long ExactSumLocked()
    {
        Debug.Assert(_foldLock.IsHeldByCurrentThread);
        long sum = _folded;
        foreach (ref Stripe stripe in _stripes.AsSpan()) sum += Volatile.Read(ref stripe.Count);
        return sum;
    }

    /// <summary>One processor's share of the count, alone on its cache line.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Stripe
    {
        [FieldOffset(64)] public long Count;
    }
}

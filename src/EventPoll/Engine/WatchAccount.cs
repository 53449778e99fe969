using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using EventPoll.Interop;

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
    /// <summary>
    /// Linux's per-watch cost on x86-64 (EP_ITEM_COST = sizeof(struct epitem) + sizeof(struct eppoll_entry)):
    /// 120 + 64 bytes on 6.x, as the running kernel's BTF says. epoll(7)'s "160 bytes" is older.
    /// </summary>
    public const long BytesPerWatch = 184;

    /// <summary>Where Linux publishes the limit the default account copies.</summary>
    internal const string MaxUserWatchesPath = "/proc/sys/fs/epoll/max_user_watches";

    // The count is split like Linux's percpu_counter: each processor's stripe collects up to FoldBatch charges or
    // releases of its own, and only then folds them into _folded, so ADD and removal on different processors do not
    // bounce one cache line. The true count is _folded plus every stripe.
    private const int FoldBatch = 32; // Linux: percpu_counter_batch
    private readonly Stripe[] _stripes = new Stripe[(int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount, 1, 64))];
    private readonly ShortLock _foldLock = new(); // serialises folds and exact sums (Linux: fbc->lock)
    private long _folded;                         // under _foldLock for writes; read lock-free as an estimate
    private long _maxWatches; // Volatile: TryCharge reads it without a lock

    // Read once: the sysctl can change while the process runs, but the default should not. Declared before
    // Default, which reads it during type initialisation.
    private static readonly Lazy<long> s_default = new(() => ReadMaxUserWatches(MaxUserWatchesPath) ?? FormulaMaxWatches());

    /// <summary>The process-wide default account, whose limit is <see cref="DefaultMaxWatches"/>.</summary>
    public static WatchAccount Default { get; } = new();

    /// <summary>Creates an account whose limit is <see cref="DefaultMaxWatches"/>.</summary>
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

    /// <summary>
    /// The default limit: this machine's <c>/proc/sys/fs/epoll/max_user_watches</c> when it can be read and
    /// parsed (read once per process), otherwise Linux's boot-time formula over this machine's memory (see
    /// <see cref="MaxWatchesFor"/>): 4% of low memory divided by <see cref="BytesPerWatch"/>, about 5.5
    /// million watches per 24 GiB.
    /// </summary>
    public static long DefaultMaxWatches() => s_default.Value;

    /// <summary>
    /// Linux's eventpoll_init: <c>(((totalram - totalhigh) / 25) &lt;&lt; PAGE_SHIFT) / EP_ITEM_COST</c> with
    /// memory counted in whole pages, dividing by 25 before scaling back to bytes, as the kernel does.
    /// </summary>
    /// <remarks>
    /// The kernel evaluates it once at boot, before it frees the initrd and its own init sections, so today's
    /// total RAM gives a slightly larger figure than /proc shows (3,362 watches more on a 24 GiB VM that had
    /// freed 15 MiB since).
    /// </remarks>
    internal static long MaxWatchesFor(long totalRamPages, long totalHighPages, long pageSize)
        => (totalRamPages - totalHighPages) / 25 * pageSize / BytesPerWatch;

    /// <summary>The formula over sysinfo's totals; without sysinfo, the memory .NET sees as a stand-in.</summary>
    internal static long FormulaMaxWatches()
    {
        long pageSize = Environment.SystemPageSize;
        if (OperatingSystem.IsLinux() && LinuxSyscalls.SysInfoMemory(out ulong totalRam, out ulong totalHigh) == 0)
            return MaxWatchesForBytes(totalRam, totalHigh, pageSize);
        return MaxWatchesForBytes((ulong)GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, 0, pageSize);
    }

    /// <summary><see cref="MaxWatchesFor"/> over totals in bytes, each counted in whole pages as the kernel counts them.</summary>
    internal static long MaxWatchesForBytes(ulong totalRamBytes, ulong totalHighBytes, long pageSize)
        => MaxWatchesFor((long)(totalRamBytes / (ulong)pageSize), (long)(totalHighBytes / (ulong)pageSize), pageSize);

    /// <summary>
    /// The limit in the sysctl file at <paramref name="path"/>, or null when it is missing, unreadable, or not
    /// exactly one decimal number in 0..long.MaxValue with an optional newline (the range the sysctl accepts).
    /// </summary>
    internal static long? ReadMaxUserWatches(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
        if (text.EndsWith('\n')) text = text[..^1];
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) ? value : null;
    }

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
        // Stryker disable once Equality,Boolean,Statement : how often a stripe folds is speed only: Watches and the slow path sum every stripe, and the fast path's margin (FoldBatch per stripe) still holds when a stripe keeps FoldBatch itself or always folds
        if (Math.Abs(local) < FoldBatch) return;
        using (_foldLock.EnterScope())
        {
            Volatile.Write(ref _folded, _folded + Interlocked.Exchange(ref stripe, 0));
        }
    }

    private long ExactSumLocked()
    {
        // Stryker disable once Statement : a removed Debug.Assert
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

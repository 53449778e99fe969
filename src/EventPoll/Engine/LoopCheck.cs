namespace EventPoll;

/// <summary>
/// The topology checks of an EPOLL_CTL_ADD that could form loops or deep paths (Linux: ep_loop_check and
/// reverse_path_check, with Jann Horn's 2025 upward depth check). One object per check; it plays the role of
/// Brauner's stack <c>ep_ctl_ctx</c> (the list of leaf files to check), so nothing global but the lock remains.
/// </summary>
/// <remarks>
/// Rules: a cycle, or more than <see cref="MaxNests"/> epoll-to-epoll edges on any path through the new edge
/// (down from the target plus up from the destination), is ELOOP; from any non-epoll file, more than
/// 500/100/50/10 wakeup paths of length 2/3/4/5 is EINVAL. All of it runs under <see cref="NestedLock"/>, which
/// also protects each instance's LoopGeneration/LoopDepth memo.
/// </remarks>
internal sealed class LoopCheck
{
    /// <summary>Linux: EP_MAX_NESTS.</summary>
    internal const int MaxNests = 4;

    /// <summary>Linux: path_limits; index = path length - 1 (length-1 paths are unlimited).</summary>
    private static readonly int[] s_pathLimits = [1000, 500, 100, 50, 10];

    /// <summary>Serialises topology checks (Linux: epnested_mutex). Never taken on a close path.</summary>
    internal static readonly ShortLock NestedLock = new();

    private static long s_generation; // under NestedLock

    private readonly Eventpoll _insertingInto;
    private readonly long _generation;
    private readonly HashSet<OpenFile> _leaves = new(ReferenceEqualityComparer.Instance);

    internal LoopCheck(Eventpoll insertingInto)
    {
        _insertingInto = insertingInto;
        // Stryker disable once Update : generations are only compared for equality, and decreasing ones are as unique (none is an instance's initial 0)
        _generation = ++s_generation;
    }

    /// <summary>Notes a non-epoll file whose wakeup paths the new edge may lengthen (Linux: list_file).</summary>
    internal void AddLeaf(OpenFile file) => _leaves.Add(file);

    /// <summary>Whether adding <paramref name="target"/> into the destination keeps every path within limits and acyclic.</summary>
    internal bool AllowsEdgeTo(Eventpoll target)
    {
        int down = DepthDown(target, 0); // more than MaxNests on a cycle, which the sum then exceeds too
        int up = DepthUp(_insertingInto);
        return down + 1 + up <= MaxNests;
    }

    /// <summary>Longest chain of instances below <paramref name="ep"/>, or more than MaxNests on a cycle (Linux: ep_loop_check_proc).</summary>
    private int DepthDown(Eventpoll ep, int depth)
    {
        if (ep.LoopGeneration == _generation) return ep.LoopDepth;
        int result = 0;
        foreach (EpItem item in ep.SnapshotItems())
        {
            if (item.File is Eventpoll child)
            {
                result = child == _insertingInto || depth > MaxNests
                    ? MaxNests + 1
                    : Math.Max(result, DepthDown(child, depth + 1) + 1);
                if (result > MaxNests) break;
            }
            else
            {
                AddLeaf(item.File);
            }
        }
        ep.LoopGeneration = _generation;
        ep.LoopDepth = result;
        return result;
    }

    /// <summary>Longest chain of instances above <paramref name="ep"/> (Linux: ep_get_upwards_depth_proc).</summary>
    private int DepthUp(Eventpoll ep)
    {
        if (ep.LoopGeneration == _generation) return ep.LoopDepth;
        int result = 0;
        foreach (EpItem watcher in Watchers(ep)) result = Math.Max(result, DepthUp(watcher.Ep) + 1);
        ep.LoopGeneration = _generation;
        ep.LoopDepth = result;
        return result;
    }

    /// <summary>Whether every leaf stays within the wakeup-path limits (Linux: reverse_path_check).</summary>
    internal bool ReversePathsWithinLimits()
    {
        Span<int> counts = stackalloc int[s_pathLimits.Length];
        foreach (OpenFile leaf in _leaves)
        {
            counts.Clear();
            if (!CountPaths(leaf, 0, counts)) return false;
        }
        return true;
    }

    /// <summary>
    /// Whether an OS descriptor just added into <paramref name="holder"/>'s kernel side keeps the wakeup-path limits
    /// through the instances that watch <paramref name="holder"/> (the descriptor is a leaf one level below them, as a
    /// plain file added into it would be). Takes <see cref="NestedLock"/>. Paths through other instances that hold the
    /// same OS descriptor are not seen here: they are the kernel's to count.
    /// </summary>
    internal static bool OsLeafWithinLimits(Eventpoll holder)
    {
        if (Volatile.Read(ref holder.FirstWatcher) is null) return true;
        using (NestedLock.EnterScope())
        {
            Span<int> counts = stackalloc int[s_pathLimits.Length];
            return CountPaths(holder, 1, counts);
        }
    }

    private static bool CountPaths(OpenFile file, int depth, Span<int> counts)
    {
        // Stryker disable once Boolean : unreachable: ELOOP keeps every chain of instances within MaxNests, so the walk up never passes it
        if (depth > MaxNests) return false;
        foreach (EpItem watcher in Watchers(file))
        {
            Eventpoll ep = watcher.Ep;
            bool ok = Volatile.Read(ref ep.FirstWatcher) is null
                ? depth == 0 || ++counts[depth] <= s_pathLimits[depth]
                : CountPaths(ep, depth + 1, counts);
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>The items watching <paramref name="file"/>, copied under its f_lock.</summary>
    private static List<EpItem> Watchers(OpenFile file)
    {
        var list = new List<EpItem>();
        using (file.LockWatchers())
        {
            for (EpItem? item = file.FirstWatcher; item is not null; item = item.FileNext) list.Add(item);
        }
        return list;
    }
}

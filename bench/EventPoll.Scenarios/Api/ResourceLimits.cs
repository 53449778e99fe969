using System.Runtime.InteropServices;

namespace EventPoll.Scenarios.Api;

/// <summary>RLIMIT_NOFILE, raised when a kernel run needs more descriptors than the default soft limit.</summary>
internal static unsafe partial class ResourceLimits
{
    private const int RlimitNoFile = 7;

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        internal ulong Current;
        internal ulong Max;
    }

    /// <summary>The current soft limit on open descriptors.</summary>
    internal static long OpenFiles
    {
        get
        {
            RLimit limit;
            return GetRLimit(RlimitNoFile, &limit) == 0 ? (long)Math.Min(limit.Current, long.MaxValue) : 1024;
        }
    }

    /// <summary>
    /// Tries to allow <paramref name="wanted"/> descriptors: raises the soft limit up to the hard one, and the hard
    /// one too when the process may (root, up to /proc/sys/fs/nr_open). Returns the limit in force afterwards.
    /// </summary>
    internal static long TryRaiseOpenFiles(long wanted)
    {
        RLimit limit;
        if (GetRLimit(RlimitNoFile, &limit) != 0 || limit.Current >= (ulong)wanted) return OpenFiles;
        RLimit raised = new() { Current = (ulong)wanted, Max = Math.Max(limit.Max, (ulong)wanted) };
        if (SetRLimit(RlimitNoFile, &raised) != 0)
        {
            raised = new() { Current = limit.Max, Max = limit.Max };
            _ = SetRLimit(RlimitNoFile, &raised);
        }
        return OpenFiles;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit")]
    private static partial int GetRLimit(int resource, RLimit* limit);

    [LibraryImport("libc", EntryPoint = "setrlimit")]
    private static partial int SetRLimit(int resource, RLimit* limit);
}

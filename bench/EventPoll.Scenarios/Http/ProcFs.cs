using System.Globalization;
using System.Runtime.InteropServices;

namespace EventPoll.Scenarios.Http;

/// <summary>
/// What <c>/proc</c> says about a process tree: its members, their CPU time and their open descriptors. nginx's
/// workers are children of its master, so a server's cost is its whole tree's; a process that exits between two
/// reads simply stops counting.
/// </summary>
internal static partial class ProcFs
{
    private const int ScClockTicks = 2; // _SC_CLK_TCK

    /// <summary>Clock ticks per second of the utime/stime fields (USER_HZ).</summary>
    private static readonly long TicksPerSecond = SysConf(ScClockTicks) is > 0 and var hz ? hz : 100;

    /// <summary><paramref name="pid"/> and every live descendant of it (children found through the ppid field of /proc/*/stat).</summary>
    internal static List<int> Tree(int pid)
    {
        var parents = new Dictionary<int, List<int>>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int child)) continue;
            if (StatFields(child) is not { } fields) continue;
            int parent = int.Parse(fields[1], CultureInfo.InvariantCulture); // field 4, ppid
            if (!parents.TryGetValue(parent, out List<int>? children)) parents[parent] = children = [];
            children.Add(child);
        }
        List<int> tree = [pid];
        for (int i = 0; i < tree.Count; i++)
        {
            if (parents.TryGetValue(tree[i], out List<int>? children)) tree.AddRange(children);
        }
        return tree;
    }

    /// <summary>CPU time (user + system, every thread) used so far by the live processes of <paramref name="pid"/>'s tree.</summary>
    internal static TimeSpan TreeCpu(int pid) => Ticks(Tree(pid).Sum(p => StatFields(p) is { } f ? Field(f, 14) + Field(f, 15) : 0));

    /// <summary>
    /// CPU time of this process's children that have exited and been waited for (cutime + cstime): read before and after
    /// a child runs, it gives that child's CPU time (.NET waits for a child as it exits).
    /// </summary>
    internal static TimeSpan ReapedChildrenCpu() =>
        Ticks(StatFields(Environment.ProcessId) is { } f ? Field(f, 16) + Field(f, 17) : 0);

    /// <summary>When the process started (clock ticks after boot, field 22), which tells it from a later one with its number; null once it is gone.</summary>
    internal static long? StartTime(int pid) => StatFields(pid) is { } f ? Field(f, 22) : null;

    /// <summary>Descriptors open in the live processes of <paramref name="pid"/>'s tree.</summary>
    internal static int TreeDescriptors(int pid) => Tree(pid).Sum(p =>
    {
        try
        {
            return Directory.GetFileSystemEntries($"/proc/{p}/fd").Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0; // the process exited
        }
    });

    private static TimeSpan Ticks(long ticks) => TimeSpan.FromSeconds((double)ticks / TicksPerSecond);

    /// <summary>Field <paramref name="number"/> (1-based, as proc(5) numbers them; 3 or above) of a stat line split by <see cref="StatFields"/>.</summary>
    private static long Field(string[] fields, int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);

    /// <summary>
    /// The fields of <c>/proc/PID/stat</c> after the command name, from field 3 (the state) on; null once the process is
    /// gone. The name is in parentheses and may itself hold spaces and parentheses, so the fields start after the last ')'.
    /// </summary>
    private static string[]? StatFields(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        int close = stat.LastIndexOf(')');
        return close < 0 ? null : stat[(close + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long SysConf(int name);
}

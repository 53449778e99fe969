using System.Globalization;
using System.Runtime.InteropServices;

namespace EventPoll.Scenarios.Reporting;

/// <summary>The machine a run was measured on: figures from different machines are not comparable.</summary>
internal sealed record MachineInfo(string Cpu, int Cores, long MemoryBytes, string Kernel, string DotNet, string Architecture)
{
    internal static MachineInfo Current() => new(
        ReadField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        Environment.ProcessorCount,
        ParseKb(ReadField("/proc/meminfo", "MemTotal")) ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
        ReadFirstLine("/proc/sys/kernel/osrelease") ?? RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.ProcessArchitecture.ToString());

    internal string Describe() =>
        $"{Cpu}, {Cores} cores, {MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB, Linux {Kernel}, {DotNet} ({Architecture})";

    /// <summary>The value of the first "key : value" line of <paramref name="path"/> whose key is <paramref name="key"/>.</summary>
    private static string? ReadField(string path, string key)
    {
        if (!File.Exists(path)) return null;
        foreach (string line in File.ReadLines(path))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim() == key) return line[(colon + 1)..].Trim();
        }
        return null;
    }

    private static string? ReadFirstLine(string path) => File.Exists(path) ? File.ReadLines(path).FirstOrDefault()?.Trim() : null;

    private static long? ParseKb(string? value) =>
        value is not null && long.TryParse(value.Replace("kB", "", StringComparison.Ordinal).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long kb) ? kb * 1024 : null;
}

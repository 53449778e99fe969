using System.Globalization;
using EventPoll.Scenarios.Api;

namespace EventPoll.Cli;

/// <summary>How many descriptors this process holds of its RLIMIT_NOFILE soft limit, for reports of running out.</summary>
internal static class ProcessDescriptors
{
    /// <summary><c>this process holds N of its RLIMIT_NOFILE limit L</c>.</summary>
    internal static string Describe()
    {
        // Listing /proc/self/fd opens one descriptor for the listing itself; that one is not held.
        int held = Directory.GetFileSystemEntries("/proc/self/fd").Length - 1;
        return string.Create(CultureInfo.InvariantCulture, $"this process holds {held} of its RLIMIT_NOFILE limit {ResourceLimits.OpenFiles}");
    }
}

using System.Runtime.InteropServices;

namespace EventPoll.Scenarios.Http;

/// <summary>The few C library calls the http harness needs that .NET does not offer: a signal by PID, and who we are.</summary>
internal static partial class Libc
{
    internal const int SigHup = 1, SigInt = 2, SigQuit = 3, SigKill = 9, SigTerm = 15;

    /// <summary>kill(2); false when the process is gone (ESRCH) or may not be signalled.</summary>
    internal static bool Signal(int pid, int signal) => Kill(pid, signal) == 0;

    internal static bool IsRoot => GetEuid() == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();
}

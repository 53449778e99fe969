using System.Runtime.InteropServices;
using EventPoll.Trace;

namespace EventPoll.Cli;

/// <summary>Why a file operation failed, in the system's words and without the path (the message names that itself).</summary>
internal static class FailureReason
{
    internal static string Of(Exception e) => e switch
    {
        FileNotFoundException => "No such file or directory",
        DirectoryNotFoundException => "a directory on the path is missing or is not a directory",
        UnauthorizedAccessException { InnerException: IOException inner } => Of(inner),
        UnauthorizedAccessException => "Permission denied",
        // On Unix an IOException from a system call carries its errno as the HResult.
        IOException { HResult: > 0 and < 4096 } io => Marshal.GetPInvokeErrorMessage(io.HResult),
        _ => Echo.Of(e.Message),
    };
}

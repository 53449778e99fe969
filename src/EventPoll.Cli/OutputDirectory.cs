using EventPoll.Trace;

namespace EventPoll.Cli;

/// <summary>An <c>--out</c> directory, checked before any work so that a long run cannot end in a failed write.</summary>
internal static class OutputDirectory
{
    /// <summary>
    /// Checks that <paramref name="directory"/> exists or can be created and that a file can be created in it, by
    /// creating (and deleting) a probe file. A directory made only for the probe is removed again, so a run that
    /// has nothing to write leaves nothing behind; the writer creates it when it has results.
    /// </summary>
    internal static void Check(string command, string option, string directory)
    {
        bool existed = Directory.Exists(directory);
        try
        {
            Directory.CreateDirectory(directory);
            string probe = Path.Combine(directory, $".eventpoll-probe-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            if (!existed) Directory.Delete(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"eventpoll {command}: {option} '{Echo.Of(directory)}' is not a writable directory: {FailureReason.Of(e)}");
        }
    }
}

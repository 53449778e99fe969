namespace EventPoll.Scenarios.Http;

/// <summary>Where a program the http harness runs is installed.</summary>
internal static class ProgramPath
{
    /// <summary>
    /// <paramref name="program"/> on PATH, or else in /usr/sbin or /usr/bin (nginx's place is not on every user's PATH);
    /// null if nowhere.
    /// </summary>
    internal static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin").Append("/usr/bin")
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);
}

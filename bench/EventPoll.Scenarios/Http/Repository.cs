namespace EventPoll.Scenarios.Http;

/// <summary>The EventPoll repository this command runs from or in: the directory holding EventPoll.slnx.</summary>
internal static class Repository
{
    /// <summary>The repository at or above <paramref name="dir"/>, or null.</summary>
    internal static string? RootAbove(string dir)
    {
        for (var at = new DirectoryInfo(dir); at is not null; at = at.Parent)
        {
            if (File.Exists(Path.Combine(at.FullName, "EventPoll.slnx"))) return at.FullName;
        }
        return null;
    }

    /// <summary>
    /// <paramref name="relative"/> in the repository above this assembly (a build output inside a checkout) or, failing
    /// that, above the current directory; null where neither has it.
    /// </summary>
    internal static string? Find(string relative) =>
        new[] { AppContext.BaseDirectory, Environment.CurrentDirectory }
            .Select(RootAbove).OfType<string>()
            .Select(root => Path.Combine(root, relative))
            .FirstOrDefault(File.Exists);
}

using System.Text;
using Xunit;

namespace EventPoll.Tests.Docs;

/// <summary>
/// Keeps the code in docs/ identical to code that compiles and runs here: a snippet lives in a test between a
/// <c>// guide:NAME</c> line and an <c>// end guide:NAME</c> line, and the guide shows it as a csharp block,
/// less its indentation.
/// </summary>
internal static class DocFiles
{
    /// <summary>The lines between <c>// guide:NAME</c> and <c>// end guide:NAME</c>, less their common indentation.</summary>
    internal static string Region(string source, string name)
    {
        string[] lines = source.Split('\n');
        int start = Array.FindIndex(lines, l => l.Trim() == "// guide:" + name) + 1;
        int end = Array.FindIndex(lines, l => l.Trim() == "// end guide:" + name);
        Assert.True(start > 0 && end > start, $"region {name} not found");
        string[] body = lines[start..end];
        int indent = body.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        var text = new StringBuilder();
        foreach (string line in body) text.Append(line.Length >= indent ? line[indent..] : line.TrimStart()).Append('\n');
        return text.ToString();
    }

    /// <summary>Asserts that the guide at <paramref name="guidePath"/> shows region <paramref name="name"/> of <paramref name="sourcePath"/> as a csharp block.</summary>
    internal static void AssertGuideShows(string guidePath, string sourcePath, string name)
        => Assert.Contains("```csharp\n" + Region(Read(sourcePath), name) + "```\n", Read(guidePath), StringComparison.Ordinal);

    /// <summary>A repository file's text with \n line ends.</summary>
    internal static string Read(string relative) => File.ReadAllText(Path(relative)).ReplaceLineEndings("\n");

    /// <summary>The full path of a repository file, found upwards from the test assembly.</summary>
    internal static string Path(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = System.IO.Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException(relative);
    }
}

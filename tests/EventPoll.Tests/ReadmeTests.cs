using Xunit;

namespace EventPoll.Tests;

public class ReadmeTests
{
    private static string RepoFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException(relative);
    }

    [Fact]
    public void Readme_QuickStart_IsTheCompiledExample()
    {
        string readme = File.ReadAllText(RepoFile("README.md"));
        string example = File.ReadAllText(RepoFile("examples/Quickstart/Program.cs")).TrimEnd('\n');
        Assert.Contains("```csharp\n" + example + "\n```", readme, StringComparison.Ordinal);
    }
}

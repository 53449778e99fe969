using EventPoll.Tests.Packaging;
using Xunit;

namespace EventPoll.Tests.Docs;

/// <summary>
/// docs/build-api.sh builds the documentation site (the guides and the API reference from the library's XML docs) with
/// no docfx warning: the script fails on any, so a broken cref, link or xref fails this test.
/// </summary>
/// <remarks>
/// It runs in a copy of the files the site is made from, as <see cref="PackedPackages"/> packs a copy: docfx builds the
/// library to read its metadata, and in place that build would race the solution build and write into its obj/.
/// </remarks>
public class ApiSiteTests
{
    private static readonly string[] s_siteTree =
        [".config", "Directory.Build.props", "Directory.Build.targets", "README.md", "LICENSE", "docs", "src/EventPoll"];

    private static readonly string[] s_notSources = ["bin", "obj", "_api", "_site"];

    [Fact]
    public void BuildApiScript_BuildsTheSite_WithNoWarnings()
    {
        string root = Directory.CreateTempSubdirectory("eventpoll-docs-").FullName;
        try
        {
            string repo = PackedPackages.FindRepoRoot();
            // Without bin/ and obj/, and without a site a developer built in docs/ (the script's output).
            foreach (string path in s_siteTree) PackedPackages.CopyTree(Path.Combine(repo, path), Path.Combine(root, path), s_notSources);

            (int exit, string output) = PackedPackages.RunProcess("bash", root, 600, packageCache: null, "docs/build-api.sh");

            Assert.True(exit == 0, $"docs/build-api.sh exited {exit}:\n{output}");
            Assert.Contains("0 warning(s)", output, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(root, "docs", "_site", "index.html")), "no docs/_site/index.html");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}

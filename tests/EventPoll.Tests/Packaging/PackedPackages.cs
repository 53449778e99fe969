using System.Diagnostics;
using System.Text;
using Xunit;

namespace EventPoll.Tests.Packaging;

/// <summary>
/// Both packages as <c>dotnet pack</c> makes them, in a temp folder of their own, and the tool installed from there.
/// </summary>
/// <remarks>
/// The sources are copied (without bin/ and obj/) and packed there in Release, rather than packed in place: the copy has
/// its own obj/ and bin/, so nothing races the solution build that built this test (or a developer's build running
/// meanwhile), and the test checks the packed sources as they are now, committed or not. The copy has no git history, so
/// MinVer warns (MINVER1001, not an error) and versions it 0.1.0-alpha.0: the build without history is checked too.
/// Restores use a package cache inside the temp folder, so a cached EventPoll of the same version from an earlier
/// run cannot stand in for this one, and a nuget.config that lists the temp feed alone: the packages depend on nothing,
/// so neither restore needs a registry, and no other feed can offer a package of the same name.
/// </remarks>
public sealed class PackedPackages : IDisposable
{
    private static readonly string[] s_packedTree =
        ["Directory.Build.props", "Directory.Build.targets", "README.md", "LICENSE", "src/EventPoll", "src/EventPoll.Trace", "src/EventPoll.Cli", "bench/EventPoll.Scenarios", "samples/HttpServer"];

    public PackedPackages()
    {
        Root = Directory.CreateTempSubdirectory("eventpoll-pack-").FullName;
        try
        {
            RepoRoot = FindRepoRoot();
            Feed = Path.Combine(Root, "feed");
            string copy = Path.Combine(Root, "source");
            foreach (string path in s_packedTree) CopyTree(Path.Combine(RepoRoot, path), Path.Combine(copy, path));
            File.WriteAllText(Path.Combine(copy, "pack.slnx"),
                "<Solution>\n  <Project Path=\"src/EventPoll/EventPoll.csproj\" />\n  <Project Path=\"src/EventPoll.Cli/EventPoll.Cli.csproj\" />\n</Solution>\n");
            Directory.CreateDirectory(Path.GetDirectoryName(NuGetConfig)!);
            File.WriteAllText(NuGetConfig, $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="packed" value="{Feed}" />
                  </packageSources>
                </configuration>
                """);

            Dotnet(copy, 600, isolated: false, "pack", "pack.slnx", "-c", "Release", "-o", Feed, "--disable-build-servers");
            const string toolPrefix = "EventPoll.Cli.";
            string tool = Path.GetFileName(Directory.GetFiles(Feed, toolPrefix + "*.nupkg").Single());
            Version = tool[toolPrefix.Length..^".nupkg".Length];
            Assert.True(File.Exists(Path.Combine(Feed, $"EventPoll.{Version}.nupkg")), $"no EventPoll {Version} beside {tool}");
            Assert.True(File.Exists(Path.Combine(Feed, $"EventPoll.{Version}.snupkg")), "no symbols package");

            string tools = Path.Combine(Root, "tools");
            Dotnet(Root, 300, isolated: true, "tool", "install", "--tool-path", tools, "--configfile", NuGetConfig, "--add-source", Feed, "EventPoll.Cli", "--version", Version);
            Eventpoll = Path.Combine(tools, "eventpoll");
        }
        catch
        {
            Dispose(); // xunit does not dispose a fixture whose constructor threw
            throw;
        }
    }

    /// <summary>The temp folder everything lives in; deleted on dispose.</summary>
    public string Root { get; }

    /// <summary>The repository this test was built from.</summary>
    public string RepoRoot { get; }

    /// <summary>The folder the packages were packed into, a NuGet feed.</summary>
    public string Feed { get; }

    /// <summary>The packages' version, as MinVer gave it (from the tool package's file name).</summary>
    public string Version { get; }

    /// <summary>The installed tool's command.</summary>
    public string Eventpoll { get; }

    /// <summary>A nuget.config whose only source is <see cref="Feed"/> (not above the sources, whose restore it would take over).</summary>
    public string NuGetConfig => Path.Combine(Root, "config", "nuget.config");

    /// <summary>Runs <c>dotnet ARGS</c> in <paramref name="directory"/>, failing with its output unless it exits 0 in time.</summary>
    public string Dotnet(string directory, int seconds, bool isolated, params string[] args)
    {
        var (exit, output) = Run("dotnet", directory, seconds, isolated, args);
        Assert.True(exit == 0, $"`dotnet {string.Join(' ', args)}` exited {exit}:\n{output}");
        return output;
    }

    /// <summary>
    /// Runs <paramref name="program"/> with no build servers (a server left running would hold
    /// the output pipes open) and no MSBuild settings inherited from the test host; kills it after
    /// <paramref name="seconds"/>. An <paramref name="isolated"/> run restores into the temp folder's own package cache
    /// (the pack itself uses the machine's, which holds the build's analyzers and MinVer). Returns the exit status and
    /// standard output followed by standard error.
    /// </summary>
    public (int Exit, string Output) Run(string program, string directory, int seconds, bool isolated, params string[] args)
        => RunProcess(program, directory, seconds, isolated ? Path.Combine(Root, "packages") : null, args);

    /// <summary>
    /// <see cref="Run"/> for any folder: <paramref name="packageCache"/>, if given, is the NUGET_PACKAGES the process
    /// restores into.
    /// </summary>
    internal static (int Exit, string Output) RunProcess(string program, string directory, int seconds, string? packageCache, params string[] args)
    {
        var start = new ProcessStartInfo(program, args)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);
        if (packageCache is not null) start.Environment["NUGET_PACKAGES"] = packageCache;
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(seconds)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"`{program} {string.Join(' ', args)}` still running after {seconds} s:\n{stdout.Result}{stderr.Result}");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A process killed on timeout may still hold a file; the temp folder is left for the system to clean.
        }
    }

    internal static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EventPoll.slnx"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException("no EventPoll.slnx above " + AppContext.BaseDirectory);
    }

    private static readonly string[] s_buildOutput = ["bin", "obj"];

    /// <summary>Copies a file, or a directory without the folders named in <paramref name="skip"/> (default: the build output, bin/ and obj/).</summary>
    internal static void CopyTree(string from, string to, string[]? skip = null)
    {
        skip ??= s_buildOutput;
        if (File.Exists(from))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(from, to);
            return;
        }
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (string dir in Directory.GetDirectories(from))
        {
            string name = Path.GetFileName(dir);
            if (!skip.Contains(name)) CopyTree(dir, Path.Combine(to, name), skip);
        }
    }
}

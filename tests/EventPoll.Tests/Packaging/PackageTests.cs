using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Packaging;

/// <summary>
/// The packages as a user gets them: the <c>eventpoll</c> tool installed from the packed feed runs the README's
/// commands, and a project that references the EventPoll package runs the Quickstart and the custom-source example.
/// In a collection of its own, so it runs beside the rest of the suite.
/// </summary>
public class PackageTests(PackedPackages packed) : IClassFixture<PackedPackages>
{
    [Fact]
    public void Tool_Help_ExitsZero()
    {
        var (exit, output) = packed.Run(packed.Eventpoll, packed.Root, 60, isolated: true, "--help");
        Assert.True(exit == 0, output);
        Assert.Contains("trace", output, StringComparison.Ordinal);
    }

    [LinuxFact]
    public void Tool_ReadmeTraceCommand_ExitsZero()
    {
        var (exit, output) = packed.Run(packed.Eventpoll, packed.RepoRoot, 120, isolated: true,
            "trace", "tests/traces/example.trace", "tests/traces/lt-requeue-order.trace", "--backend", "both");
        Assert.True(exit == 0, output);
    }

    [Fact]
    public void Consumer_OfTheLibraryPackage_RunsQuickstartAndCustomSource()
    {
        string consumer = Path.Combine(packed.Root, "consumer");
        WriteConsumer(consumer, "Quickstart", "examples/Quickstart/Program.cs");
        WriteConsumer(consumer, "CustomSource", "examples/CustomSource/Program.cs", "examples/CustomSource/ReadyFlag.cs");
        File.WriteAllText(Path.Combine(consumer, "consumer.slnx"),
            "<Solution>\n  <Project Path=\"Quickstart/Quickstart.csproj\" />\n  <Project Path=\"CustomSource/CustomSource.csproj\" />\n</Solution>\n");
        File.Copy(packed.NuGetConfig, Path.Combine(consumer, "nuget.config"));

        packed.Dotnet(consumer, 300, isolated: true, "build", "consumer.slnx", "-c", "Release", "--disable-build-servers");

        string quickstart = packed.Dotnet(consumer, 60, isolated: true, Path.Combine("Quickstart", "bin", "Release", "net10.0", "Quickstart.dll"));
        Assert.StartsWith("data 1: In\ndata 2: In\neventfd held 3\ntfd:", quickstart, StringComparison.Ordinal);
        string custom = packed.Dotnet(consumer, 60, isolated: true, Path.Combine("CustomSource", "bin", "Release", "net10.0", "CustomSource.dll"));
        Assert.Equal("""
            before Set: 0 events
            after Set: 1 event, data 7: In
            edge-triggered, still set: 0 events
            handle disposed: released True, fdinfo ""

            """, custom);
    }

    /// <summary>A console project of the example's sources that takes EventPoll from the package, not the repository.</summary>
    private void WriteConsumer(string consumer, string name, params string[] sources)
    {
        string dir = Path.Combine(consumer, name);
        foreach (string source in sources) PackedPackages.CopyTree(Path.Combine(packed.RepoRoot, source), Path.Combine(dir, Path.GetFileName(source)));
        File.WriteAllText(Path.Combine(dir, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="EventPoll" Version="{packed.Version}" />
              </ItemGroup>
            </Project>
            """);
    }
}

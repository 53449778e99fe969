using System.Diagnostics;

namespace EventPoll.Scenarios.Http;

/// <summary>
/// ASP.NET Core's Kestrel serving a minimal API (bench/KestrelHello: the <c>dotnet new web</c> template with the
/// plaintext body, logging at Warning, Production, server GC), built Release by the harness from the repository this
/// command runs in, and stopped with SIGTERM (the host's graceful shutdown).
/// </summary>
internal sealed class KestrelContender : HttpContender
{
    private static readonly TimeSpan BuildLimit = TimeSpan.FromMinutes(5);

    private string? _dll; // set by Prepare, on the one thread that runs the scenario

    internal override string Label => "Kestrel";

    internal override void Prepare(Action<string> say)
    {
        string? project = Repository.Find("bench/KestrelHello/KestrelHello.csproj");
        if (project is null)
        {
            Unavailable = "bench/KestrelHello is not in a repository at or above this command's directory or the current one";
            return;
        }
        say("http: building bench/KestrelHello (Release)");
        // No build servers, as they would outlive this command; the last line printed is the assembly built.
        var start = new ProcessStartInfo(DotNet)
        {
            ArgumentList = { "build", project, "-c", "Release", "--disable-build-servers", "--nologo", "-v", "quiet", "-t:Build", "--getProperty:TargetPath" },
        };
        using LaunchedProcess build = LaunchedProcess.Start("dotnet build", start, Libc.SigTerm);
        if (!build.WaitForExit(BuildLimit) || build.ExitCode != 0)
        {
            Unavailable = $"dotnet build of {project} failed: {string.Join(" / ", build.Tail())}";
            return;
        }
        _dll = build.Tail().LastOrDefault()?.Trim();
        if (_dll is null || !File.Exists(_dll)) Unavailable = $"dotnet build of {project} named no assembly it built (it said: {string.Join(" / ", build.Tail())})";
    }

    internal override ServerProcess Start(HttpCase httpCase, int port, string workDir) =>
        ServerProcess.Start(Label, [.. httpCase.Pin(HttpCase.ServerCpu), DotNet, _dll!, "--urls", $"http://127.0.0.1:{port}"], port, Libc.SigTerm,
            // The content root (where appsettings.json is read) is the working directory: the build output.
            workingDirectory: Path.GetDirectoryName(_dll),
            environment: new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production", ["DOTNET_ENVIRONMENT"] = "Production" });
}

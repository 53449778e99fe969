namespace EventPoll.Scenarios.Http;

/// <summary>
/// A server <c>bench http</c> measures: how to make it ready for the run, and how to start it for one case on a
/// given port. One that cannot run here says why in <see cref="Unavailable"/>, and the run goes on without it.
/// </summary>
internal abstract class HttpContender
{
    /// <summary>Its name in the report ("EventPoll", "nginx", "Kestrel").</summary>
    internal abstract string Label { get; }

    /// <summary>Why it is not measured in this run (one sentence), or null.</summary>
    internal string? Unavailable { get; private protected set; }

    /// <summary>Whether its descriptors are counted, idle and after each case's load (waiting for them to drain).</summary>
    internal virtual bool CountsDescriptors => false;

    /// <summary>Builds or checks what it needs, once per run, setting <see cref="Unavailable"/> if that fails.</summary>
    internal virtual void Prepare(Action<string> say)
    {
    }

    /// <summary>
    /// Starts it for <paramref name="httpCase"/> on 127.0.0.1:<paramref name="port"/>, ready to serve; files it needs go in
    /// <paramref name="workDir"/>. Throws <see cref="ContenderFailedException"/> if it cannot, having set
    /// <see cref="Unavailable"/> too if it never will in this run.
    /// </summary>
    internal abstract ServerProcess Start(HttpCase httpCase, int port, string workDir);

    /// <summary>The .NET host that runs this process (so the servers run on the same runtime), else dotnet from PATH.</summary>
    private protected static string DotNet =>
        Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : ProgramPath.Find("dotnet") ?? "dotnet";
}

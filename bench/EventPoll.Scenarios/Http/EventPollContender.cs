namespace EventPoll.Scenarios.Http;

/// <summary>
/// EventPoll's HTTP/1.1 sample server, run as <c>dotnet EventPoll.Cli.dll serve --address 127.0.0.1 --port P --loops N
/// --accept MODE</c> from beside this assembly. It says <c>listening on http://127.0.0.1:P (N loops)</c> when ready and
/// stops gracefully (exit status 0) on SIGTERM. The reactor's two accept modes are two contenders, so the run measures
/// which is faster (issue 15): the server's default, a listener per loop (SO_REUSEPORT), is the one labelled
/// <see cref="Scenarios.HttpScenario.EventPoll"/> that the bars judge.
/// </summary>
internal sealed class EventPollContender(bool sharedListener = false) : HttpContender
{
    private static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "EventPoll.Cli.dll");

    /// <summary>The label of the shared-listener (EPOLLEXCLUSIVE) variant.</summary>
    internal const string SharedListenerLabel = "EventPoll, shared listener";

    internal override string Label => sharedListener ? SharedListenerLabel : Scenarios.HttpScenario.EventPoll;

    /// <summary>Its descriptors are what issue 15's bar checks: back to the idle count after the load.</summary>
    internal override bool CountsDescriptors => true;

    internal override void Prepare(Action<string> say)
    {
        if (!File.Exists(Cli)) Unavailable = $"no {Cli}";
    }

    internal override ServerProcess Start(HttpCase httpCase, int port, string workDir)
        => ServerProcess.Start(Label, [.. httpCase.Pin(HttpCase.ServerCpu), DotNet, Cli, "serve", "--address", "127.0.0.1", "--port", $"{port}",
            "--loops", $"{httpCase.Loops}", "--accept", sharedListener ? "shared" : "reuseport"],
            port, Libc.SigTerm, readyLine: line => line.StartsWith("listening on http://127.0.0.1:", StringComparison.Ordinal));
}

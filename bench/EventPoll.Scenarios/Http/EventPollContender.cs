namespace EventPoll.Scenarios.Http;

/// <summary>
/// EventPoll's HTTP/1.1 sample server, run as <c>dotnet EventPoll.Cli.dll serve --address 127.0.0.1 --port P --loops N</c>
/// from beside this assembly. It says <c>listening on http://127.0.0.1:P (N loops)</c> when ready and stops gracefully
/// (exit status 0) on SIGTERM. A build whose CLI has no <c>serve</c> command yet is reported as unavailable.
/// </summary>
internal sealed class EventPollContender : HttpContender
{
    private static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "EventPoll.Cli.dll");

    internal override string Label => "EventPoll";

    /// <summary>Its descriptors are what issue 15's bar checks: back to the idle count after the load.</summary>
    internal override bool CountsDescriptors => true;

    internal override void Prepare(Action<string> say)
    {
        if (!File.Exists(Cli)) Unavailable = $"no {Cli}";
    }

    internal override ServerProcess Start(HttpCase httpCase, int port, string workDir)
    {
        try
        {
            return ServerProcess.Start(Label, [.. httpCase.Pin(HttpCase.ServerCpu), DotNet, Cli, "serve", "--address", "127.0.0.1", "--port", $"{port}", "--loops", $"{httpCase.Loops}"],
                port, Libc.SigTerm, readyLine: line => line.StartsWith("listening on http://127.0.0.1:", StringComparison.Ordinal));
        }
        // The CLI's one line for a command it does not know (exit status 2); `serve --help` would not tell, as the
        // root command's help answers it.
        catch (ContenderFailedException e) when (e.Message.Contains("unknown command 'serve'", StringComparison.Ordinal))
        {
            Unavailable = $"this build has no `eventpoll serve` yet ({e.Message})";
            throw;
        }
    }
}

using System.Diagnostics;
using System.Globalization;

namespace EventPoll.Scenarios.Http;

/// <summary>
/// One case of <c>bench http</c>: every server started afresh on a port of its own, a warm-up run against each, then
/// the measured runs taken in turn (server 1, 2, 3, then 3, 2, 1, ...) so the machine's drift spreads over all of
/// them and run i of each server is taken back to back with the others' (the ratios pair them), then the descriptors
/// of a server that counts them once the load has drained, and every server stopped by PID, also on failure. A
/// server that fails is dropped from the case with a note; the others go on.
/// </summary>
internal sealed class CaseRun
{
    /// <summary>How long the descriptors of a server may take to fall back to their idle count after the load.</summary>
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DrainPoll = TimeSpan.FromMilliseconds(50);

    private readonly HttpCase _case;
    private readonly HttpLoad _load;
    private readonly LoadProgress _progress;
    private readonly List<string> _notes;
    private readonly List<Server> _servers = [];

    /// <summary>A server started for this case: its descriptors when idle (if counted), its measured runs, and whether it failed.</summary>
    private sealed record Server(ServerProcess Process, int? IdleDescriptors, List<Wrk.Outcome> Runs)
    {
        internal bool Failed { get; set; }
    }

    /// <summary>What one server gave in this case (descriptors only for a server that <see cref="HttpContender.CountsDescriptors"/>).</summary>
    internal sealed record Measured(string Server, List<Wrk.Outcome> Runs, int? IdleDescriptors, int? DescriptorsAfter);

    private CaseRun(HttpCase httpCase, HttpLoad load, LoadProgress progress, List<string> notes)
    {
        _case = httpCase;
        _load = load;
        _progress = progress;
        _notes = notes;
    }

    /// <summary>Measures <paramref name="httpCase"/> on every one of <paramref name="contenders"/>; notes go to <paramref name="notes"/>.</summary>
    internal static List<Measured> Measure(HttpCase httpCase, IReadOnlyList<HttpContender> contenders, HttpLoad load, string workDir, LoadProgress progress, List<string> notes)
    {
        var run = new CaseRun(httpCase, load, progress, notes);
        try
        {
            foreach (HttpContender contender in contenders) run.Start(contender, workDir);
            for (int r = -1; r < load.Runs; r++)
            {
                // Warm-ups (r = -1) and even runs in the servers' order, odd runs in reverse.
                foreach (Server server in r % 2 == 0 || r < 0 ? run._servers : Enumerable.Reverse(run._servers)) run.Load(server, r);
            }
            return [.. run._servers.Where(s => !s.Failed).Select(s => new Measured(s.Process.Name, s.Runs, s.IdleDescriptors, s.IdleDescriptors is int idle ? Drained(s.Process, idle) : null))];
        }
        finally
        {
            foreach (Server server in run._servers) run.Stop(server);
        }
    }

    private void Start(HttpContender contender, string workDir)
    {
        if (contender.Unavailable is not null)
        {
            _progress.Skip(_load.Seconds); // the scenario's notes say why, once
            return;
        }
        _progress.Say($"{_case.Label}: starting {contender.Label}");
        try
        {
            ServerProcess process = contender.Start(_case, ServerProcess.FreePort(), workDir);
            _servers.Add(new Server(process, contender.CountsDescriptors ? process.Descriptors() : null, []));
        }
        catch (ContenderFailedException e)
        {
            if (contender.Unavailable is null) _notes.Add($"{contender.Label}, {_case.Label}: not measured: {e.Message}");
            _progress.Skip(_load.Seconds);
        }
    }

    /// <summary>The warm-up run (<paramref name="r"/> = -1, its figures kept only for a note on errors) or measured run <paramref name="r"/> of a server.</summary>
    private void Load(Server server, int r)
    {
        if (server.Failed) return;
        bool warmUp = r < 0;
        int seconds = warmUp ? _load.WarmUpSeconds : _load.RunSeconds;
        _progress.Run($"{server.Process.Name}, {_case.Label}, {(warmUp ? "warm-up" : $"run {r + 1}/{_load.Runs}")}", seconds);
        try
        {
            Wrk.Outcome outcome = Wrk.Run(ProgramPath.Find(DebianTools.Wrk)!, _case, seconds, server.Process);
            if (!warmUp) server.Runs.Add(outcome);
            else if (outcome.Report.SocketErrors + outcome.Report.BadStatuses > 0)
                _notes.Add($"{server.Process.Name}, {_case.Label}: its warm-up run had {outcome.Report.SocketErrors} socket errors and {outcome.Report.BadStatuses} non-2xx responses");
        }
        catch (ContenderFailedException e)
        {
            server.Failed = true;
            _notes.Add($"{server.Process.Name}, {_case.Label}: not measured: {e.Message}");
            _progress.Skip((_load.Runs - 1 - r) * _load.RunSeconds);
        }
    }

    /// <summary>
    /// The server's descriptors once they are back to <paramref name="idle"/> or, if they do not get there within
    /// <see cref="DrainLimit"/> of the load's end (its closing connections take a moment to be seen), the count then.
    /// </summary>
    private static int Drained(ServerProcess server, int idle)
    {
        var clock = Stopwatch.StartNew();
        int count;
        while ((count = server.Descriptors()) > idle && clock.Elapsed < DrainLimit) Thread.Sleep(DrainPoll);
        return count;
    }

    /// <summary>Stops the server; one that was measured but does not stop cleanly (status 0 on its stop signal) gets a note.</summary>
    private void Stop(Server server)
    {
        int? exit = server.Process.Stop();
        if (exit != 0 && !server.Failed)
        {
            _notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"{server.Process.Name}, {_case.Label}: {(exit is int status ? $"exited with status {status}" : "had to be killed (SIGKILL)")} when stopped"));
        }
    }
}

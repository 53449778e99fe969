using EventPoll.Scenarios.Measurement;

namespace EventPoll.Scenarios.Http;

/// <summary>Progress of <c>bench http</c>: what runs now, and about how long the load still to come will take.</summary>
internal sealed class LoadProgress(BenchOptions options, int totalSeconds)
{
    private int _remaining = totalSeconds; // seconds of load not yet run; only the scenario's thread touches it

    /// <summary>Reports a step of <paramref name="seconds"/> of load about to run, and counts it as run.</summary>
    internal void Run(string what, int seconds)
    {
        options.Report($"http: {what} ({seconds} s), {Left(_remaining)} of load left");
        _remaining -= seconds;
    }

    /// <summary>Reports a step without load (starting a server, say).</summary>
    internal void Say(string what) => options.Report($"http: {what}, {Left(_remaining)} of load left");

    /// <summary>Load that will not run (a server that failed): no longer counted as to come.</summary>
    internal void Skip(int seconds) => _remaining -= seconds;

    private static string Left(int seconds) => seconds >= 60 ? $"{seconds / 60} min {seconds % 60:D2} s" : $"{seconds} s";
}

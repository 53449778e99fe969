namespace EventPoll.Scenarios.Http;

/// <summary>
/// One case of <c>bench http</c>: one request per connection (wrk sends <c>Connection: close</c>; nginx also runs
/// with <c>keepalive_requests 1</c>, the seed patches' experiment) or keep-alive; unpinned (servers and wrk share
/// every core) or pinned (the server on CPU 1 and wrk on CPU 0, as <c>taskset</c> places them).
/// </summary>
internal sealed record HttpCase(bool KeepAlive, bool Pinned)
{
    /// <summary>wrk's connections, as in the reference anchors.</summary>
    internal const int Connections = 64;

    internal const int ServerCpu = 1, ClientCpu = 0;

    internal string Label => $"{(KeepAlive ? "keep-alive" : "close")}, {(Pinned ? "pinned" : "unpinned")}";

    /// <summary>Event loops (nginx workers): one per core the server may use on the 2-core machine of the anchors.</summary>
    internal int Loops => Pinned ? 1 : 2;

    /// <summary>wrk's threads (-t): as many as the anchors' runs, one per core wrk may use there.</summary>
    internal int WrkThreads => Pinned ? 1 : 2;

    /// <summary>The cases in the order they run: the seed's case first, then keep-alive; pinned only with two processors or more.</summary>
    internal static IReadOnlyList<HttpCase> All(int processors) =>
        [new(false, false), new(true, false), .. processors >= 2 ? [new HttpCase(false, true), new HttpCase(true, true)] : Array.Empty<HttpCase>()];

    /// <summary>The command prefix that pins a process to <paramref name="cpu"/> in a pinned case (none otherwise).</summary>
    internal string[] Pin(int cpu) => Pinned ? ["taskset", "-c", cpu.ToString(System.Globalization.CultureInfo.InvariantCulture)] : [];
}

using System.Runtime.InteropServices;

namespace EventPoll.Scenarios.Http;

/// <summary>
/// Every <see cref="LaunchedProcess"/> still running, so that none outlives the harness: a normal or failed run stops
/// each in a finally block, and SIGINT (Ctrl+C), SIGTERM or SIGHUP to this process stops all of them before the
/// signal's default action ends it. (Ctrl+C at a terminal also reaches the children themselves, as members of its
/// foreground process group; a SIGTERM sent to this process alone does not.)
/// </summary>
internal static class LaunchedProcesses
{
    private static readonly TimeSpan InterruptGrace = TimeSpan.FromSeconds(2);

    private static readonly Lock Gate = new();

    private static readonly List<LaunchedProcess> Live = []; // guarded by Gate

    private static bool _interrupted; // guarded by Gate: set once a signal came, after which nothing more starts

    // Made on first use (the first launch) and kept for the process's life: they cost nothing until a signal comes.
    private static readonly PosixSignalRegistration[] Handlers =
        [.. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP }.Select(s => PosixSignalRegistration.Create(s, OnSignal))];

    /// <summary>
    /// Runs <paramref name="start"/> and registers what it started, under the lock an interrupt takes to collect the
    /// live processes, so every process is either collected or never started.
    /// </summary>
    internal static void StartAndAdd(LaunchedProcess process, Action start)
    {
        GC.KeepAlive(Handlers);
        lock (Gate)
        {
            if (_interrupted) throw new OperationCanceledException("interrupted: no more processes are started");
            start();
            Live.Add(process);
        }
    }

    internal static void Remove(LaunchedProcess process)
    {
        lock (Gate) Live.Remove(process);
    }

    /// <summary>How many launched processes are still running.</summary>
    internal static int Count
    {
        get
        {
            lock (Gate) return Live.Count;
        }
    }

    private static void OnSignal(PosixSignalContext context)
    {
        LaunchedProcess[] running;
        lock (Gate)
        {
            _interrupted = true;
            running = [.. Live];
        }
        // In parallel, as each may take its grace period; context.Cancel stays false, so the default action follows.
        Parallel.ForEach(running, p => p.Stop(InterruptGrace));
    }
}

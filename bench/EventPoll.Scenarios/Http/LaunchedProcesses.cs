using System.Runtime.InteropServices;

namespace EventPoll.Scenarios.Http;

/// <summary>
/// Every <see cref="LaunchedProcess"/> still running, so that none outlives the harness: a normal or failed run stops
/// each in a finally block, and SIGINT (Ctrl+C), SIGTERM or SIGHUP to this process stops all of them before the
/// signal's default action ends it. (Ctrl+C at a terminal also reaches the children themselves, as members of its
/// foreground process group; a SIGTERM sent to this process alone does not.) The run's temporary directory, deleted
/// by a finally block too, goes the same way.
/// </summary>
internal static class LaunchedProcesses
{
    private static readonly TimeSpan InterruptGrace = TimeSpan.FromSeconds(2);

    private static readonly Lock Gate = new();

    private static readonly List<LaunchedProcess> Live = []; // guarded by Gate

    private static readonly List<DirectoryInfo> Directories = []; // guarded by Gate

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

    /// <summary>A temporary directory for the run's files, deleted by <see cref="DeleteDirectory"/> or, if this process is interrupted, by the interrupt.</summary>
    internal static DirectoryInfo CreateDirectory(string prefix)
    {
        DirectoryInfo directory = Directory.CreateTempSubdirectory(prefix);
        lock (Gate) Directories.Add(directory);
        return directory;
    }

    internal static void DeleteDirectory(DirectoryInfo directory)
    {
        lock (Gate) Directories.Remove(directory);
        directory.Delete(recursive: true);
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
        DirectoryInfo[] directories;
        lock (Gate)
        {
            _interrupted = true;
            running = [.. Live];
            directories = [.. Directories];
        }
        // In parallel, as each may take its grace period; context.Cancel stays false, so the default action follows.
        Parallel.ForEach(running, p => p.Stop(InterruptGrace));
        foreach (DirectoryInfo directory in directories)
        {
            try
            {
                directory.Delete(recursive: true);
            }
            catch (IOException)
            {
                // already gone, or a file in use: the process is ending anyway
            }
        }
    }
}

using System.Diagnostics;

namespace EventPoll.Scenarios.Http;

/// <summary>
/// A process the http harness started (a server, wrk, a build): stopped by its PID with its own stop signal, then
/// SIGKILL for its whole tree after a grace period. Its standard output and error are read as it runs (a full pipe
/// would block it) and their last lines kept, for a message when it fails. Every live one is known to
/// <see cref="LaunchedProcesses"/>, which stops them all if this process is interrupted.
/// </summary>
internal sealed class LaunchedProcess : IDisposable
{
    private const int KeptLines = 20;
    private static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the output may take to reach its end once the process exited. Only a descendant still holding the pipes
    /// makes it wait (one the process left behind: <see cref="Stop"/> kills those first).
    /// </summary>
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(2);

    private readonly Process _process;
    private readonly int _stopSignal;
    private readonly Queue<string> _tail = new(); // guarded by itself: both streams' readers append to it
    private Task[] _readers = []; // set once by Start, before anyone can wait for the process

    private LaunchedProcess(string name, Process process, int stopSignal)
    {
        Name = name;
        _process = process;
        _stopSignal = stopSignal;
    }

    /// <summary>What the process is, for messages ("nginx", "wrk").</summary>
    internal string Name { get; }

    internal int Pid => _process.Id;

    internal bool HasExited => _process.HasExited;

    /// <summary>The exit status once it exited.</summary>
    internal int ExitCode => _process.ExitCode;

    /// <summary>
    /// Starts <paramref name="start"/> (its streams redirected here) and registers it to be stopped with
    /// <paramref name="stopSignal"/>. <paramref name="outputLine"/>, if given, gets each line of standard output (on a
    /// thread-pool thread, one at a time); standard error is only kept for <see cref="Tail"/>.
    /// </summary>
    internal static LaunchedProcess Start(string name, ProcessStartInfo start, int stopSignal, Action<string>? outputLine = null)
    {
        start.RedirectStandardInput = true; // closed at once: no server reads the terminal
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var process = new Process { StartInfo = start };
        var launched = new LaunchedProcess(name, process, stopSignal);
        LaunchedProcesses.StartAndAdd(launched, () => process.Start());
        process.StandardInput.Close();
        launched._readers = [launched.ReadAsync(process.StandardOutput, outputLine), launched.ReadAsync(process.StandardError, null)];
        return launched;
    }

    /// <summary>
    /// Waits for the process to exit on its own, and then for its output to end; false if it had not exited within
    /// <paramref name="limit"/>.
    /// </summary>
    internal bool WaitForExit(TimeSpan limit)
    {
        if (!_process.WaitForExit(limit)) return false;
        Task.WaitAll(_readers, OutputGrace);
        return true;
    }

    /// <summary>The last lines it wrote (standard output and error), oldest first.</summary>
    internal string[] Tail()
    {
        lock (_tail) return [.. _tail];
    }

    /// <summary>
    /// Stops the process: its stop signal, then, if it has not exited within <paramref name="grace"/>, SIGKILL to it and
    /// every descendant. Descendants it leaves behind when it exits (children of a shell that died of the signal, say)
    /// are killed too: they are found before the signal, while they are still its descendants. Returns its exit
    /// status, or null if it had to be killed.
    /// </summary>
    internal int? Stop(TimeSpan grace)
    {
        try
        {
            if (_process.HasExited) return _process.ExitCode;
            // With their start times: a number that is reused after its process exits names another process.
            (int Pid, long? Started)[] descendants = [.. ProcFs.Tree(Pid).Skip(1).Select(p => (p, ProcFs.StartTime(p)))];
            Libc.Signal(Pid, _stopSignal);
            bool exited = _process.WaitForExit(grace);
            if (!exited) _process.Kill(entireProcessTree: true);
            foreach ((int pid, long? started) in descendants)
            {
                if (started is not null && ProcFs.StartTime(pid) == started) Libc.Signal(pid, Libc.SigKill);
            }
            WaitForExit(Timeout.InfiniteTimeSpan);
            return exited ? _process.ExitCode : null;
        }
        finally
        {
            LaunchedProcesses.Remove(this);
        }
    }

    public void Dispose()
    {
        Stop(DefaultGrace);
        _process.Dispose();
    }

    /// <summary>Reads <paramref name="stream"/> to its end, keeping its last lines and handing each to <paramref name="line"/>.</summary>
    private async Task ReadAsync(StreamReader stream, Action<string>? line)
    {
        while (await stream.ReadLineAsync().ConfigureAwait(false) is { } text)
        {
            lock (_tail)
            {
                _tail.Enqueue(text);
                if (_tail.Count > KeptLines) _tail.Dequeue();
            }
            line?.Invoke(text);
        }
    }
}

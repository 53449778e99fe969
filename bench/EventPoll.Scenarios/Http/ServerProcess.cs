using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EventPoll.Scenarios.Http;

/// <summary>
/// A server of <c>bench http</c> while it runs: started, known to be listening, its process tree's CPU time and
/// descriptors readable, and stopped by PID (its own stop signal, then SIGKILL for the tree).
/// </summary>
internal sealed class ServerProcess : IDisposable
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60), StopGrace = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(20);

    private readonly LaunchedProcess _process;

    private ServerProcess(string name, int port, LaunchedProcess process)
    {
        Name = name;
        Port = port;
        _process = process;
    }

    internal string Name { get; }

    internal int Port { get; }

    internal int Pid => _process.Pid;

    /// <summary>
    /// Starts <paramref name="command"/> and waits until it is ready: until it prints a line <paramref name="readyLine"/>
    /// accepts where one is given (no connection is made then, so the server is idle when it is first looked at),
    /// else until a connection to 127.0.0.1:<paramref name="port"/> succeeds. Throws
    /// <see cref="ContenderFailedException"/> if the server exits first or is not ready within a minute.
    /// </summary>
    internal static ServerProcess Start(string name, string[] command, int port, int stopSignal, Func<string, bool>? readyLine = null,
        string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(command[0]) { WorkingDirectory = workingDirectory ?? "" };
        foreach (string argument in command.Skip(1)) start.ArgumentList.Add(argument);
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        var printed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = new ServerProcess(name, port, LaunchedProcess.Start(name, start, stopSignal,
            readyLine is null ? null : line => { if (readyLine(line)) printed.TrySetResult(); }));
        try
        {
            var clock = Stopwatch.StartNew();
            while (!(readyLine is null ? Accepts(port) : printed.Task.Wait(ProbeInterval)))
            {
                server.ThrowIfExited();
                if (clock.Elapsed > StartLimit) throw new ContenderFailedException($"{name} was not ready on port {port} within {StartLimit.TotalSeconds:F0} s");
                if (readyLine is null) Thread.Sleep(ProbeInterval); // nothing tells when a socket starts listening: poll
            }
            server.ThrowIfExited();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>CPU time used so far by the server's live processes.</summary>
    internal TimeSpan Cpu() => ProcFs.TreeCpu(Pid);

    /// <summary>Descriptors open in the server's processes.</summary>
    internal int Descriptors() => ProcFs.TreeDescriptors(Pid);

    /// <summary>Throws <see cref="ContenderFailedException"/> (with the server's last words) if the server has exited.</summary>
    internal void ThrowIfExited()
    {
        if (!_process.HasExited) return;
        _process.WaitForExit(TimeSpan.Zero); // for its last words to be read
        string[] tail = _process.Tail();
        throw new ContenderFailedException($"{Name} exited with status {_process.ExitCode}{(tail.Length > 0 ? ": " + string.Join(" / ", tail) : "")}");
    }

    /// <summary>Stops the server gracefully (its stop signal, a grace period, then SIGKILL); returns its exit status, or null if it was killed.</summary>
    internal int? Stop() => _process.Stop(StopGrace);

    public void Dispose() => _process.Dispose();

    /// <summary>Whether a connection to 127.0.0.1:<paramref name="port"/> is accepted (and closes it at once).</summary>
    private static bool Accepts(int port)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A loopback port free at this moment (the kernel's choice for a socket bound to port 0), for a server to listen on.</summary>
    internal static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}

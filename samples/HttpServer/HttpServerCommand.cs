using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using EventPoll.Reactor;

namespace EventPoll.Samples.Http;

/// <summary>
/// The <c>serve</c> command (the sample's own entry point, and <c>eventpoll serve</c>): starts the server, prints one
/// line <c>listening on http://ADDRESS:PORT (N loops)</c> when it accepts connections, and on SIGINT (Ctrl+C) or
/// SIGTERM stops gracefully: no new connections, idle ones closed, busy ones given <c>--grace</c> to finish.
/// </summary>
public static class HttpServerCommand
{
    /// <summary>The command; its action writes to <paramref name="output"/> and <paramref name="error"/>.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var address = new Option<string>("--address") { Description = "The address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "The port (0 picks a free one).", DefaultValueFactory = _ => 8080 };
        var loops = new Option<int>("--loops") { Description = "Event loops, each a thread with its own instance (default: one per processor).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var body = new Option<string>("--body") { Description = "The body of every 200 response.", DefaultValueFactory = _ => "Hello, World!" };
        var accept = new Option<string>("--accept") { Description = "reuseport (a listener per loop) or shared (one listener, EPOLLEXCLUSIVE in every loop).", DefaultValueFactory = _ => "reuseport" };
        accept.AcceptOnlyFromAmong("reuseport", "shared");
        var deferAccept = new Option<bool>("--defer-accept") { Description = "TCP_DEFER_ACCEPT: read the request right after accept.", DefaultValueFactory = _ => true };
        var grace = new Option<double>("--grace") { Description = "Seconds busy connections get to finish on SIGINT/SIGTERM.", DefaultValueFactory = _ => 5 };
        port.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 0 or > 65535) r.AddError("--port must be 0-65535"); });
        loops.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--loops must be at least 1"); });
        address.Validators.Add(r => { if (!IPAddress.TryParse(r.GetValueOrDefault<string>(), out _)) r.AddError("--address must be an IPv4 or IPv6 address"); });

        var command = new Command("serve", "Serve HTTP/1.1 on EventPoll's reactor: `Hello, World!` on /, 404 elsewhere, keep-alive and pipelining; "
            + "Ctrl+C or SIGTERM stops it gracefully.")
        {
            address, port, loops, body, accept, deferAccept, grace,
        };
        command.SetAction(parsed => Run(new HttpServerOptions
        {
            Address = IPAddress.Parse(parsed.GetValue(address)!),
            Port = parsed.GetValue(port),
            Loops = parsed.GetValue(loops),
            Body = parsed.GetValue(body)!,
            Accept = parsed.GetValue(accept) == "shared" ? AcceptMode.SharedExclusive : AcceptMode.ReusePort,
            DeferAccept = parsed.GetValue(deferAccept),
        }, TimeSpan.FromSeconds(parsed.GetValue(grace)), output, error));
        return command;
    }

    /// <summary>Serves until SIGINT or SIGTERM; 0 after a clean stop, 1 if the server could not start or a loop did not end.</summary>
    public static int Run(HttpServerOptions options, TimeSpan grace, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        using var stop = new ManualResetEventSlim();
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true; // the stop below ends the process, after the connections are handled
            stop.Set();
        }
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        TcpReactor reactor;
        try
        {
            reactor = options.Start();
        }
        catch (EpollException e)
        {
            error.WriteLine($"serve: {e.Message}");
            return 1;
        }
        string host = options.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{options.Address}]" : options.Address.ToString();
        output.WriteLine($"listening on http://{host}:{reactor.Port} ({options.Loops} loops)");
        output.Flush();
        stop.Wait();
        error.WriteLine($"serve: stopping (busy connections get {grace.TotalSeconds:0.#} s)");
        bool joined = reactor.Stop(grace);
        error.WriteLine(joined ? "serve: stopped" : "serve: a loop did not end in time");
        return joined ? 0 : 1;
    }
}

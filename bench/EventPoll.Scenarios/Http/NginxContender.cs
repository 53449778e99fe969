using System.Globalization;

namespace EventPoll.Scenarios.Http;

/// <summary>
/// nginx (Debian's nginx-light) with the reference anchors' configuration: one worker per loop, access log off,
/// <c>return 200 "Hello, World!"</c> on /, and <c>keepalive_requests 1</c> in the one-request-per-connection case
/// (1,000,000 with keep-alive). It runs in the foreground (<c>daemon off</c>) under this harness, which stops it with
/// SIGQUIT (graceful: the workers finish, then the master exits).
/// </summary>
internal sealed class NginxContender : HttpContender
{
    internal override string Label => "nginx";

    internal override ServerProcess Start(HttpCase httpCase, int port, string workDir)
    {
        string dir = Path.Combine(workDir, $"nginx-{port}");
        Directory.CreateDirectory(Path.Combine(dir, "tmp"));
        string config = Path.Combine(dir, "nginx.conf");
        File.WriteAllText(config, Config(dir, port, httpCase.Loops, keepAliveRequests: httpCase.KeepAlive ? 1_000_000 : 1));
        string nginx = ProgramPath.Find(DebianTools.Nginx) ?? throw new ContenderFailedException("nginx is not installed");
        // -e: the error log from the start, before the configuration (with its error_log) is read.
        return ServerProcess.Start(Label, [.. httpCase.Pin(HttpCase.ServerCpu), nginx, "-p", dir, "-c", config, "-e", Path.Combine(dir, "error.log")],
            port, Libc.SigQuit);
    }

    /// <summary>The configuration of the anchors (shared/reference/http-anchors.md), with every path under <paramref name="dir"/>.</summary>
    internal static string Config(string dir, int port, int workers, int keepAliveRequests) => string.Create(CultureInfo.InvariantCulture, $$"""
        daemon off;
        master_process on;
        worker_processes {{workers}};
        pid {{dir}}/nginx.pid;
        error_log {{dir}}/error.log warn;
        events { worker_connections 4096; use epoll; multi_accept off; }
        http {
            access_log off;
            client_body_temp_path {{dir}}/tmp;
            proxy_temp_path {{dir}}/tmp;
            fastcgi_temp_path {{dir}}/tmp;
            uwsgi_temp_path {{dir}}/tmp;
            scgi_temp_path {{dir}}/tmp;
            default_type text/plain;
            keepalive_requests {{keepAliveRequests}};
            keepalive_timeout 65;
            server {
                listen 127.0.0.1:{{port}};
                location = / { return 200 "Hello, World!"; }
            }
        }

        """);
}

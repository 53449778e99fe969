using EventPoll.Tests.Support;
using System.Diagnostics;
using System.Text;
using Xunit;

namespace EventPoll.Tests.Docs;

/// <summary>
/// docs/porting-c.md's complete example: the C program (docs/examples/event-loop.c) and its two ports, which
/// live here between <c>// guide:NAME</c> and <c>// end guide:NAME</c> lines so they compile and run. The guide
/// must show each of them unchanged (as the README's Quickstart is examples/Quickstart), and all three must print
/// the output the guide shows.
/// </summary>
public class PortingGuideTests
{
    private const string GuidePath = "docs/porting-c.md";
    private const string CProgramPath = "docs/examples/event-loop.c";
    private const string ThisFilePath = "tests/EventPoll.Tests/Docs/PortingGuideTests.cs";

    // The output the guide shows under "It prints".
    private const string ExpectedOutput = "eventfd: 1\npipe: hell\npipe: o, w\npipe: orld\ntimeout\n";

    // guide:posix
    static int EventLoopOnPosix(TextWriter output)
    {
        var posix = new Posix();                                 // its own descriptor table, like a process
        int ep = posix.EpollCreate1(Posix.EPOLL_CLOEXEC);
        int efd = posix.EventFd(0, Posix.O_NONBLOCK | Posix.O_CLOEXEC);
        Span<int> p = stackalloc int[2];
        if (ep < 0 || efd < 0 || posix.Pipe2(p, Posix.O_NONBLOCK | Posix.O_CLOEXEC) < 0)
        {
            output.WriteLine($"setup: {Posix.Errno}");
            return 1;
        }

        posix.EpollCtl(ep, Posix.EPOLL_CTL_ADD, efd, new EpollEvent(EpollEvents.In, 1));   // level-triggered
        posix.EpollCtl(ep, Posix.EPOLL_CTL_ADD, p[0],
            new EpollEvent(EpollEvents.In | EpollEvents.EdgeTriggered, 2));                // edge-triggered

        posix.Write(efd, BitConverter.GetBytes(1UL));
        posix.Write(p[1], "hello, world"u8);

        Span<EpollEvent> events = stackalloc EpollEvent[8];
        Span<byte> count = stackalloc byte[8];
        Span<byte> buf = stackalloc byte[4];
        for (;;)
        {
            int n = posix.EpollWait(ep, events, 8, 100);         // 100 ms
            if (n < 0)
            {
                if (Posix.Errno == Errno.EINTR)
                    continue;
                output.WriteLine($"epoll_wait: {Posix.Errno}");
                return 1;
            }
            if (n == 0)
            {
                output.WriteLine("timeout");
                break;
            }
            for (int i = 0; i < n; i++)
            {
                if (events[i].Data == 1)
                {
                    posix.Read(efd, count);
                    output.WriteLine($"eventfd: {BitConverter.ToUInt64(count)}");
                    continue;
                }
                for (;;)                                         // ET: read until EAGAIN
                {
                    long r = posix.Read(p[0], buf);
                    if (r > 0)
                    {
                        output.WriteLine($"pipe: {Encoding.ASCII.GetString(buf[..(int)r])}");
                    }
                    else if (r == 0)
                    {
                        output.WriteLine("pipe: end of file");
                        break;
                    }
                    else if (Posix.Errno == Errno.EAGAIN)
                    {
                        break;
                    }
                    else
                    {
                        output.WriteLine($"read: {Posix.Errno}");
                        return 1;
                    }
                }
            }
        }

        posix.Close(p[0]);
        posix.Close(p[1]);
        posix.Close(efd);
        posix.Close(ep);
        return 0;
    }
    // end guide:posix

    // guide:handles
    static void EventLoopOnHandles(TextWriter output)
    {
        using var epoll = new Epoll();
        using var wakeup = new EventFd();
        var (reader, writer) = Pipe.Create();
        using (reader)
        using (writer)
        {
            epoll.Add(wakeup, EpollEvents.In, data: 1);                              // level-triggered
            epoll.Add(reader, EpollEvents.In | EpollEvents.EdgeTriggered, data: 2);  // edge-triggered

            wakeup.Signal(1);
            writer.Write("hello, world"u8);

            var events = new EpollEvent[8];
            var buf = new byte[4];
            while (true)
            {
                int n = epoll.Wait(events, timeoutMs: 100);    // failures throw EpollException
                if (n == 0)
                {
                    output.WriteLine("timeout");
                    break;
                }
                foreach (EpollEvent e in events.AsSpan(0, n))
                {
                    if (e.Data == 1)
                    {
                        output.WriteLine($"eventfd: {wakeup.Consume()}");
                        continue;
                    }
                    while (reader.TryRead(buf, out int r))     // ET: read until EAGAIN (TryRead is false)
                    {
                        if (r == 0)
                        {
                            output.WriteLine("pipe: end of file");
                            break;
                        }
                        output.WriteLine($"pipe: {Encoding.ASCII.GetString(buf, 0, r)}");
                    }
                }
            }
        }
    }
    // end guide:handles

    [Fact]
    public void PosixPort_PrintsWhatTheGuideShows()
    {
        var output = new StringWriter { NewLine = "\n" };
        Assert.Equal(0, EventLoopOnPosix(output));
        Assert.Equal(ExpectedOutput, output.ToString());
    }

    [Fact]
    public void HandlesPort_PrintsWhatTheGuideShows()
    {
        var output = new StringWriter { NewLine = "\n" };
        EventLoopOnHandles(output);
        Assert.Equal(ExpectedOutput, output.ToString());
    }

    [Theory]
    [InlineData("posix")]
    [InlineData("handles")]
    public void Guide_ShowsEachPort_AsCompiledHere(string region)
    {
        DocFiles.AssertGuideShows(GuidePath, ThisFilePath, region);
    }

    [Fact]
    public void Guide_ShowsTheCProgram_AndItsOutput()
    {
        string guide = DocFiles.Read(GuidePath);
        Assert.Contains("```c\n" + DocFiles.Read(CProgramPath) + "```\n", guide, StringComparison.Ordinal);
        Assert.Contains("```text\n" + ExpectedOutput + "```\n", guide, StringComparison.Ordinal);
    }

    /// <summary>The C program on the running kernel prints the same (skipped, and reported so, without a C compiler).</summary>
    [CompilerFact]
    public void CProgram_OnTheKernel_PrintsWhatThePortsPrint()
    {
        string cc = CompilerFactAttribute.Compiler!;
        string dir = Directory.CreateTempSubdirectory("eventpoll-guide-").FullName;
        try
        {
            string exe = Path.Combine(dir, "event-loop");
            string diagnostics = Run(cc, ["-o", exe, DocFiles.Path(CProgramPath)], out int ccStatus);
            Assert.True(ccStatus == 0, diagnostics);
            Assert.Equal(ExpectedOutput, Run(exe, [], out int status));
            Assert.Equal(0, status);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Run(string file, string[] args, out int status)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Bounded.Limit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"`{file}` still running after {Bounded.Limit.TotalSeconds} s (an event it waits for never came)");
        }
        status = process.ExitCode;
        return Bounded.Result(stdout, "its standard output did not end") + Bounded.Result(stderr, "its standard error did not end");
    }

}

/// <summary>A fact that needs a C compiler (<c>cc</c> on PATH); skipped, with the reason shown, where there is none.</summary>
public sealed class CompilerFactAttribute : FactAttribute
{
    public CompilerFactAttribute()
    {
        if (Compiler is null) Skip = "no C compiler (cc) on PATH";
    }

    /// <summary>The path of <c>cc</c>, or null.</summary>
    public static string? Compiler { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, "cc"))
        .FirstOrDefault(File.Exists);
}

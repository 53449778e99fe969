using System.Net.Sockets;
using EventPoll.Reactor;
using EventPoll.Tests.Traces;
using Xunit;
using static EventPoll.Tests.Reactor.ReactorClient;

namespace EventPoll.Tests.Reactor;

/// <summary>Counts /proc/self/fd, so it runs alone (no other test opens descriptors meanwhile).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReactorDescriptorsCollection
{
    public const string Name = "ReactorDescriptors";
}

[Collection(ReactorDescriptorsCollection.Name)]
public class ReactorDescriptorTests
{
    [LinuxTheory]
    [InlineData(AcceptMode.ReusePort)]
    [InlineData(AcceptMode.SharedExclusive)]
    public void Stop_leaves_no_descriptor_open(AcceptMode mode)
    {
        Dictionary<string, string> before = Settled();
        var (reactor, _) = Start(new ReactorOptions { Loops = 2, Accept = mode });
        var sockets = Enumerable.Range(0, 8).Select(_ => Connect(reactor)).ToArray();
        foreach (Socket s in sockets) Send(s, "hi\n");
        foreach (Socket s in sockets) Assert.Equal("ok:hi\n", Receive(s, 6));
        Send(sockets[0], "partial");
        Assert.True(reactor.Stop(TimeSpan.FromMilliseconds(200)));
        foreach (Socket s in sockets) s.Dispose();
        AssertNoneLeft(before);
    }

    /// <summary>
    /// <see cref="Descriptors"/> once handles other tests left to their finalizers are closed (they would close during
    /// the count otherwise).
    /// </summary>
    internal static Dictionary<string, string> Settled()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return Descriptors();
    }

    /// <summary>Asserts that every descriptor <see cref="Descriptors"/> lists now was open, naming the same file, in <paramref name="before"/>.</summary>
    internal static void AssertNoneLeft(Dictionary<string, string> before)
    {
        string[] left = [.. Descriptors().Where(fd => !before.TryGetValue(fd.Key, out string? target) || target != fd.Value).Select(fd => $"{fd.Key} -> {fd.Value}")];
        Assert.True(left.Length == 0, $"descriptors opened during the test and still open: {string.Join(", ", left)}");
    }

    /// <summary>
    /// This process's sockets, epolls and eventfds (what the reactor opens) and what each names (readlink of
    /// /proc/self/fd/N); files the runtime maps as it loads assemblies come and go on their own and are left out.
    /// </summary>
    private static Dictionary<string, string> Descriptors()
    {
        var result = new Dictionary<string, string>();
        foreach (string path in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                string target = new FileInfo(path).LinkTarget ?? "?";
                if (target.StartsWith("socket:", StringComparison.Ordinal) || target.StartsWith("anon_inode:", StringComparison.Ordinal)) result[Path.GetFileName(path)] = target;
            }
            catch (IOException)
            {
                // closed between the listing and the readlink (the listing's own descriptor, for one)
            }
        }
        return result;
    }
}

using EventPoll.Scenarios.Measurement;
using EventPoll.Scenarios.Os;
using EventPoll.Scenarios.Reporting;
using EventPoll.Scenarios.Scenarios;
using EventPoll.Tests.Misuse;
using EventPoll.Tests.Os;
using EventPoll.Tests.Docs;
using EventPoll.Tests.Rules;
using EventPoll.Tests.Traces;
using Microsoft.Win32.SafeHandles;
using Xunit;

namespace EventPoll.Tests.Bench;

/// <summary>
/// The os scenario (issue 14): every design is measured on every workload, the alternative design delivers what an
/// instance must (it is what EventPoll's design is judged against), and `bench os --quick` runs from the command line.
/// No timing is asserted.
/// </summary>
[Collection(nameof(BenchSmokeCollection))]
public class OsBenchTests
{
    private static readonly string[] Designs = [.. OsDesigns.All.Select(OsDesigns.Label)];

    [LinuxFact]
    public void Tiny_MeasuresEveryDesignOnEveryTimedWorkload_AndCountsTheMixedInstancesCalls()
    {
        ScenarioResult result = OsDescriptors.Run(new BenchOptions(BenchSize.Tiny));
        string[] timed = [OsDescriptors.AddDel, OsDescriptors.SignalWaitConsume, OsDescriptors.InTurn, OsDescriptors.WaitOneOf(10), OsDescriptors.WaitOneOf(100), OsDescriptors.WaitAll(OsDescriptors.AllReady),
            .. from wakeup in (string[])[OsDescriptors.WakeInProcess, OsDescriptors.WakeOs] from statistic in (string[])[OsDescriptors.Median, OsDescriptors.P99] select OsDescriptors.Latency(wakeup, statistic)];
        foreach (string parameter in timed)
        {
            foreach (string design in Designs)
            {
                Row row = result.Find(design, parameter) ?? throw new InvalidOperationException($"no row for {design} at {parameter}");
                Assert.True(row.Value > 0 && double.IsFinite(row.Value), $"{design} {parameter}: {row.Value}");
            }
            Assert.NotNull(result.Find(Designs[0], parameter)!.VsKernel);
            Assert.NotNull(result.Find(Designs[0], parameter)!.VsBefore);
        }
        Assert.Equal(CompilerFactAttribute.Compiler is not null, result.Find(OsDescriptors.CLabel, OsDescriptors.Latency(OsDescriptors.WakeOs, OsDescriptors.Median)) is not null);
        Assert.Equal(0, result.Find(Designs[0], OsDescriptors.BytesOf(OsDescriptors.AddDel))!.Value);
        // Exact counts: a wait served by OS events makes one epoll_wait; a blocked wait woken in-process makes it and one write.
        Assert.Equal(1, result.Find(Designs[0], MixedInstanceCalls.OsOnly)!.Value);
        Assert.Equal(2, result.Find(Designs[0], MixedInstanceCalls.BlockedWoken)!.Value);
        // In-process events alone, measured after a warm-up of as many rounds: with the readiness ring no system call;
        // without it only the kernel's turns, ever rarer while they find nothing.
        int rounds = OsDescriptors.MixedRounds(new BenchOptions(BenchSize.Tiny));
        double turns = ReadinessRingTests.RingAvailable() ? 0 : KernelTurnsWithIdleOs(2 * rounds) - KernelTurnsWithIdleOs(rounds);
        Assert.Equal(turns / rounds, result.Find(Designs[0], MixedInstanceCalls.InProcessOnly)!.Value, 6);
        Assert.Equal(0, result.Find(MixedInstanceCalls.Required, MixedInstanceCalls.InProcessOnly)!.Value);
    }

    /// <summary>
    /// The kernel's turns in <paramref name="waits"/> waits served in-process while the OS side stays idle: the first
    /// after the least bound's streak, each next one after a streak twice as long, up to the most bound's.
    /// </summary>
    private static int KernelTurnsWithIdleOs(int waits)
    {
        int turns = 0;
        for (int bound = Eventpoll.MinOsFairnessBound, at = bound + 1; at <= waits; at += bound + 1)
        {
            turns++;
            bound = Math.Min(bound * 2, Eventpoll.MaxOsFairnessBound);
        }
        return turns;
    }

    [LinuxFact]
    public void ThePollerThreadDesign_ReportsAnOsDescriptorWhileItIsReady_AndAgainAfterItWasDrained()
    {
        using var instance = new PollerThreadInstance();
        using SafeFileHandle efd = OsEventFd.Create();
        instance.Add(efd, EpollEvents.In, 7);
        var events = new EpollEvent[4];
        Assert.Equal(0, instance.Wait(events, 0));
        for (int round = 0; round < 3; round++)
        {
            OsEventFd.Signal(efd);
            Assert.Equal(1, instance.Wait(events, (int)Failsafe.Limit.TotalMilliseconds)); // through the poller thread
            Assert.Equal(new EpollEvent(EpollEvents.In, 7), events[0]);
            Assert.Equal(1, instance.Wait(events, 0)); // level-triggered: still ready
            OsEventFd.Consume(efd);
            Assert.Equal(0, instance.Wait(events, 0)); // drained: the poll finds it so and re-arms the poller
        }
        instance.Delete(efd);
        OsEventFd.Signal(efd);
        Assert.Equal(0, instance.Wait(events, 50));
    }

    [LinuxFact]
    public void Quick_FromTheCommandLine_PrintsTheTablesAndJudgesEveryOsBar()
    {
        string dir = CliRun.TempDirectory();
        (int exit, string stdout, string stderr) = CliRun.InProcess(null, "bench", OsDescriptors.Name, "--quick", "--out", dir);
        Assert.True(exit == 0, stderr);
        Assert.Contains($"## {OsDescriptors.Name}:", stdout, StringComparison.Ordinal);
        // The larger N is 10,000 where RLIMIT_NOFILE allows, less (with a note) where not.
        foreach (string design in Designs) Assert.Equal(2, stdout.Split('\n').Count(line => line.StartsWith($"| {design} | wait, 1 of N=", StringComparison.Ordinal)));
        string[] osBars = [.. stdout.Split('\n').Where(line => line.StartsWith("| os: ", StringComparison.Ordinal))];
        Assert.Equal(5, osBars.Length);
        Assert.All(osBars, line => Assert.Matches(@"\| (PASS|FAIL) \|$", line));
        Assert.True(File.Exists(Path.Combine(dir, "latest-results.json")));
    }
}

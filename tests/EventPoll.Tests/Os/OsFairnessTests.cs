using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Os;

/// <summary>
/// Neither kind starves the other (issue 14): with always-ready sources of both kinds, in-process events are
/// looked at in every wait and OS events at least every <see cref="Eventpoll.OsFairnessBound"/> + 1 waits, whatever
/// the buffer's size; within each kind, the kernel's and the ready list's round robin reach every source.
/// </summary>
public sealed class OsFairnessTests : HandleOwner
{
    private const int Waits = 200;
    private const int OsBound = Eventpoll.OsFairnessBound + 1;

    /// <summary>Data words: in-process sources are 100 + i, OS sources 200 + i.</summary>
    private const ulong InProcessBase = 100, OsBase = 200;

    /// <summary>An instance with <paramref name="inProcess"/> and <paramref name="os"/> level-triggered sources, all ready for good.</summary>
    private Epoll AlwaysReady(int inProcess, int os)
    {
        var ep = Own(new Epoll(Table));
        ISourceFactory inKind = SourceEnd.Factory(SourceKind.InProcess), osKind = SourceEnd.Factory(SourceKind.Os);
        for (int i = 0; i < inProcess; i++)
        {
            SourceEnd efd = Own(inKind.EventFd(Table, 1)); // never read: readable in every wait
            efd.AddTo(ep, EpollEvents.In, InProcessBase + (ulong)i);
        }
        for (int i = 0; i < os; i++)
        {
            SourceEnd efd = Own(osKind.EventFd(Table, 1));
            efd.AddTo(ep, EpollEvents.In, OsBase + (ulong)i);
        }
        return ep;
    }

    /// <summary>Runs <see cref="Waits"/> zero-timeout waits with a buffer of <paramref name="buffer"/>; each wait's data words.</summary>
    private static List<ulong[]> Run(Epoll ep, int buffer)
    {
        var events = new EpollEvent[buffer];
        var batches = new List<ulong[]>();
        for (int i = 0; i < Waits; i++)
        {
            int n = ep.Wait(events, 0);
            Assert.True(n > 0, $"wait {i} found nothing although every source is ready");
            batches.Add([.. events.Take(n).Select(e => e.Data)]);
        }
        return batches;
    }

    /// <summary>The longest run of waits, counted up to and including the next one that reports <paramref name="reported"/>, over the whole run.</summary>
    private static int LongestGap(List<ulong[]> batches, Func<ulong, bool> reported)
    {
        int longest = 0, since = 0;
        foreach (ulong[] batch in batches)
        {
            since++;
            if (!batch.Any(reported)) continue;
            longest = Math.Max(longest, since);
            since = 0;
        }
        Assert.True(since < batches.Count, "never reported");
        return Math.Max(longest, since);
    }

    private static bool IsOs(ulong data) => data >= OsBase;

    [LinuxFact]
    public void WithABufferOfOne_EachKindIsReported_WithinItsBound()
    {
        List<ulong[]> batches = Run(AlwaysReady(inProcess: 1, os: 1), buffer: 1);
        Assert.True(LongestGap(batches, IsOs) <= OsBound, $"the OS source waited {LongestGap(batches, IsOs)} waits");
        Assert.True(LongestGap(batches, d => !IsOs(d)) <= 2, $"the in-process source waited {LongestGap(batches, d => !IsOs(d))} waits");
        // And the kernel is not asked more than it must: OS events take one wait in OsBound.
        Assert.Equal(Waits / OsBound, batches.Count(b => IsOs(b[0])));
    }

    [LinuxFact]
    public void WithABufferOfOne_EverySourceOfEachKindIsReached_ByItsKindsRoundRobin()
    {
        const int InProcess = 3, OsSources = 3;
        List<ulong[]> batches = Run(AlwaysReady(InProcess, OsSources), buffer: 1);
        for (int i = 0; i < OsSources; i++)
        {
            ulong data = OsBase + (ulong)i;
            int gap = LongestGap(batches, d => d == data);
            Assert.True(gap <= OsSources * OsBound, $"OS source {i} waited {gap} waits");
        }
        for (int i = 0; i < InProcess; i++)
        {
            ulong data = InProcessBase + (ulong)i;
            int gap = LongestGap(batches, d => d == data);
            Assert.True(gap <= 2 * InProcess, $"in-process source {i} waited {gap} waits");
        }
        Assert.True(LongestGap(batches, IsOs) <= OsBound);
    }

    [LinuxFact]
    public void WithALargeBuffer_EveryWaitHasEveryInProcessSource_AndTheOsOnesWithinTheBound_KernelsFirst()
    {
        const int InProcess = 3, OsSources = 3;
        List<ulong[]> batches = Run(AlwaysReady(InProcess, OsSources), buffer: 64);
        foreach (ulong[] batch in batches)
        {
            Assert.Equal(InProcess, batch.Count(d => !IsOs(d)));
            int os = batch.Count(IsOs);
            Assert.True(os is 0 or OsSources, $"a kernel harvest of always-ready sources got {os} of {OsSources}");
            if (os != 0) Assert.All(batch.Take(OsSources), d => Assert.True(IsOs(d))); // the kernel's events first
        }
        Assert.True(LongestGap(batches, IsOs) <= OsBound, $"the OS sources waited {LongestGap(batches, IsOs)} waits");
    }

    [LinuxFact]
    public void AnInProcessEvent_IsNotStarvedByAnAlwaysReadyOsSource()
    {
        Epoll ep = AlwaysReady(inProcess: 0, os: 2);
        SourceEnd late = Own(SourceEnd.Factory(SourceKind.InProcess).EventFd(Table));
        late.AddTo(ep, EpollEvents.In | EpollEvents.EdgeTriggered, InProcessBase);
        var one = new EpollEvent[1];
        for (int round = 0; round < 20; round++)
        {
            for (int i = 0; i < round % 4; i++) Assert.True(IsOs(Wait(ep, one)));
            late.Signal();
            ulong first = Wait(ep, one), second = Wait(ep, one);
            Assert.True(first == InProcessBase || second == InProcessBase, $"round {round}: the in-process event was not reported within two waits");
        }
    }

    private static ulong Wait(Epoll ep, EpollEvent[] one)
    {
        Assert.Equal(1, ep.Wait(one, 0));
        return one[0].Data;
    }
}

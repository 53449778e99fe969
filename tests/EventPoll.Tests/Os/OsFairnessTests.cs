using EventPoll.Interop;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Os;

/// <summary>
/// Neither kind starves the other (issue 14): with always-ready sources of both kinds, in-process events are
/// looked at in every wait and OS events at least every <see cref="Eventpoll.MaxOsFairnessBound"/> + 1 waits, whatever
/// the buffer's size; within each kind, the kernel's and the ready list's round robin reach every source. The bound
/// adapts: kernel turns that find nothing come ever more rarely, and once OS events flow, every fifth wait is one.
/// </summary>
public sealed class OsFairnessTests : HandleOwner
{
    private const int Waits = 200;

    /// <summary>The most waits an OS event can wait while in-process events stay ready: the guarantee.</summary>
    private const int OsBound = Eventpoll.MaxOsFairnessBound + 1;

    /// <summary>The waits from one kernel turn to the next while every turn finds OS events.</summary>
    private const int FlowingOsBound = Eventpoll.MinOsFairnessBound + 1;

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
        // Every kernel turn finds the OS source ready, so the bound stays at its least: one wait in five is the kernel's.
        Assert.Equal(Waits / FlowingOsBound, batches.Count(b => IsOs(b[0])));
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

    [LinuxTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void WithAnIdleOsDescriptor_KernelTurnsComeEverMoreRarely_UpToTheMostBound(bool readinessRing)
    {
        Epoll ep = AlwaysReady(inProcess: 1, os: 0);
        Own(SourceEnd.Factory(SourceKind.Os).EventFd(Table)).AddTo(ep, EpollEvents.In, OsBase); // never signalled
        Eventpoll instance = EngineAccess.Instance(ep);
        KernelPoller kernel = instance.Kernel!;
        if (!readinessRing) kernel.RefuseRing(Errno.ENOMEM);
        var one = new EpollEvent[1];
        List<int> gaps = [];
        int since = 0;
        for (int i = 0; i < 400; i++)
        {
            long turns = instance.KernelTurns, calls = kernel.WaitCalls;
            Assert.Equal(InProcessBase, Wait(ep, one)); // the kernel's turn, finding nothing, still fills the batch in-process
            since++;
            if (instance.KernelTurns == turns)
            {
                Assert.Equal(calls, kernel.WaitCalls);
                continue;
            }
            Assert.Equal(turns + 1, instance.KernelTurns);
            // The first turn asks the kernel and arms the ring; with it the later ones make no system call.
            bool ringServes = readinessRing && gaps.Count > 0 && kernel.RingRefused == Errno.None;
            Assert.Equal(ringServes ? calls : calls + 1, kernel.WaitCalls);
            gaps.Add(since);
            since = 0;
        }
        // 4, 8, 16, 32 in-process waits before the turns, then 64 for good: each gap counts the turn itself.
        Assert.Equal([5, 9, 17, 33, OsBound, OsBound, OsBound], gaps.Take(7));
        Assert.All(gaps.Skip(4), gap => Assert.Equal(OsBound, gap));
    }

    [LinuxFact]
    public void OnceOsEventsFlow_TheBoundShrinksBackToItsLeast()
    {
        Epoll ep = AlwaysReady(inProcess: 1, os: 0);
        SourceEnd os = Own(SourceEnd.Factory(SourceKind.Os).EventFd(Table));
        os.AddTo(ep, EpollEvents.In, OsBase);
        var one = new EpollEvent[1];
        for (int i = 0; i < 200; i++) Assert.Equal(InProcessBase, Wait(ep, one)); // idle: the bound grows to its most
        os.Signal(); // level-triggered and never read: ready from here on

        int until = 1;
        while (!IsOs(Wait(ep, one))) until++;
        Assert.True(until <= OsBound, $"the OS event waited {until} waits");
        // The turn that found it set the bound back: from here on every fifth wait is the kernel's, and only those.
        for (int turn = 0; turn < 10; turn++)
        {
            for (int i = 0; i < Eventpoll.MinOsFairnessBound; i++) Assert.Equal(InProcessBase, Wait(ep, one));
            Assert.True(IsOs(Wait(ep, one)), $"turn {turn}: the kernel's turn did not come after {Eventpoll.MinOsFairnessBound} in-process waits");
        }
    }

    private static ulong Wait(Epoll ep, EpollEvent[] one)
    {
        Assert.Equal(1, ep.Wait(one, 0));
        return one[0].Data;
    }
}

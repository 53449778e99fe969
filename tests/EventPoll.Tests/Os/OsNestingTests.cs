using EventPoll.Tests.Rules;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Os;

/// <summary>
/// Nesting across kinds (issue 14): instances with kernel sides, instances without, and raw kernel epolls
/// registered as OS descriptors, in one topology. The running kernel is the authority: each test builds the same
/// shape out of raw kernel epolls (<see cref="KernelProbe"/>) and expects EventPoll to refuse the same link with the
/// same errno (ELOOP for cycles and paths of more than 4 epoll-to-epoll edges, EINVAL for too many wakeup paths).
/// </summary>
public sealed class OsNestingTests : HandleOwner
{
    private readonly Posix _px;
    private readonly KernelProbe _probe = new();

    public OsNestingTests()
    {
        _px = new Posix(Table);
        Own(_probe);
    }

    private Epoll NewEpoll() => Own(new Epoll(Table));

    /// <summary>An instance that holds an OS eventfd, so it has a kernel side from the start.</summary>
    private Epoll WithKernelSide()
    {
        Epoll ep = NewEpoll();
        Own(SourceEnd.Factory(SourceKind.Os).EventFd(Table)).AddTo(ep, EpollEvents.In);
        return ep;
    }

    private static Errno Link(Epoll watcher, Epoll watched) => Outcome.Of(() => watcher.Add(watched, EpollEvents.In));

    private Errno LinkOs(Epoll watcher, int osFd)
        => _px.EpollCtlOs(watcher.Fd, Posix.EPOLL_CTL_ADD, osFd, new EpollEvent(EpollEvents.In, (ulong)osFd)) == 0 ? Errno.None : Posix.Errno;

    // ---- cycles ----------------------------------------------------------------------------------------------

    [LinuxTheory]
    [InlineData(2)]
    [InlineData(3)]
    public void ACycleOfInstancesWithKernelSides_IsRefused_AsTheKernelRefusesACycleOfEpolls(int length)
    {
        var raw = Enumerable.Range(0, length).Select(_ => _probe.Epoll()).ToArray();
        for (int i = 0; i + 1 < length; i++) Assert.Equal(Errno.None, KernelProbe.Add(raw[i], raw[i + 1]));
        Errno kernel = KernelProbe.Add(raw[^1], raw[0]);

        var eps = Enumerable.Range(0, length).Select(_ => WithKernelSide()).ToArray();
        for (int i = 0; i + 1 < length; i++) Assert.Equal(Errno.None, Link(eps[i], eps[i + 1]));
        Assert.Equal(Errno.ELOOP, kernel);
        Assert.Equal(kernel, Link(eps[^1], eps[0]));
    }

    // ---- depth -----------------------------------------------------------------------------------------------

    private const int Nodes = 7; // node 0 at the bottom; link i makes node i + 1 watch node i

    /// <summary>
    /// The first link of a chain of <see cref="Nodes"/> raw kernel epolls (an eventfd in the bottom one) that the
    /// kernel refuses, adding links bottom-up or top-down, with its errno.
    /// </summary>
    private (int Link, Errno Errno) KernelChain(bool topDown)
    {
        int[] raw = [.. Enumerable.Range(0, Nodes).Select(_ => _probe.Epoll())];
        Assert.Equal(Errno.None, KernelProbe.Add(raw[0], _probe.EventFd()));
        return FirstRefusal(topDown, i => KernelProbe.Add(raw[i + 1], raw[i]));
    }

    private static (int Link, Errno Errno) FirstRefusal(bool topDown, Func<int, Errno> link)
    {
        foreach (int i in topDown ? Enumerable.Range(0, Nodes - 1).Reverse() : Enumerable.Range(0, Nodes - 1))
        {
            Errno result = link(i);
            if (result != Errno.None) return (i, result);
        }
        return (-1, Errno.None);
    }

    /// <summary>
    /// The same chain with the bottom <paramref name="rawBelow"/> nodes raw kernel epolls (registered in the first
    /// instance as an OS descriptor) and the rest instances: each with an OS eventfd of its own when
    /// <paramref name="kernelSideEach"/>, else only the bottom one has a source (an OS eventfd when nothing is raw,
    /// so every instance gets its kernel side from below, by adoption).
    /// </summary>
    [LinuxTheory]
    [InlineData(0, true, false)]
    [InlineData(0, true, true)]
    [InlineData(0, false, false)]
    [InlineData(0, false, true)]
    [InlineData(1, true, false)]
    [InlineData(1, true, true)]
    [InlineData(2, true, false)]
    [InlineData(2, true, true)]
    [InlineData(2, false, false)]
    [InlineData(3, false, false)]
    public void TheDepthLimit_AcrossKinds_RefusesTheLinkTheKernelRefuses(int rawBelow, bool kernelSideEach, bool topDown)
    {
        (int Link, Errno Errno) kernel = KernelChain(topDown);
        Assert.NotEqual(Errno.None, kernel.Errno); // 6 edges: one of the links is too many

        var raw = new int[rawBelow];
        for (int i = 0; i < rawBelow; i++) raw[i] = _probe.Epoll();
        if (rawBelow > 0) Assert.Equal(Errno.None, KernelProbe.Add(raw[0], _probe.EventFd()));
        var eps = new Epoll?[Nodes];
        for (int i = rawBelow; i < Nodes; i++) eps[i] = kernelSideEach ? WithKernelSide() : NewEpoll();
        if (rawBelow == 0 && !kernelSideEach) Own(SourceEnd.Factory(SourceKind.Os).EventFd(Table)).AddTo(eps[0]!, EpollEvents.In);

        (int Link, Errno Errno) engine = FirstRefusal(topDown, i => i + 1 < rawBelow
            ? KernelProbe.Add(raw[i + 1], raw[i])
            : i < rawBelow ? LinkOs(eps[i + 1]!, raw[i]) : Link(eps[i + 1]!, eps[i]!));
        Assert.Equal(kernel, engine);
    }

    /// <summary>
    /// Instances without kernel sides above, raw kernel epolls below: the link between them makes the bottom instance's
    /// kernel side, which is then pushed up to its watchers. Whatever EventPoll answers for that link, it must keep
    /// its word: refused as the kernel refuses a path of 5 edges (ELOOP), or accepted and the OS event at the bottom
    /// reported at the top.
    /// </summary>
    [LinuxFact]
    public void AnOsEventAtTheBottomOfAnAcceptedChain_ReachesTheTop_OrTheLinkIsRefused()
    {
        int rawTop = _probe.Epoll(), rawBottom = _probe.Epoll(), leaf = _probe.EventFd();
        Assert.Equal(Errno.None, KernelProbe.Add(rawBottom, leaf));
        Assert.Equal(Errno.None, KernelProbe.Add(rawTop, rawBottom));
        Epoll[] eps = [.. Enumerable.Range(0, 4).Select(_ => NewEpoll())]; // eps[0] watches eps[1] watches ... eps[3]
        for (int i = 0; i + 1 < eps.Length; i++) Assert.Equal(Errno.None, Link(eps[i], eps[i + 1]));

        Errno linked = LinkOs(eps[3], rawTop); // 3 edges above, 2 below: 5 in all
        if (linked != Errno.None)
        {
            Assert.Equal(Errno.ELOOP, linked);
            return;
        }
        OsFd.Signal(leaf);
        Assert.Equal(1, eps[3].Wait(new EpollEvent[4], 0));
        Assert.Equal(1, eps[0].Wait(new EpollEvent[4], 0)); // accepted: then the top must see it
    }

    // ---- wakeup paths ----------------------------------------------------------------------------------------

    private const int FanIn = 11; // paths of 5 epolls from one file: the kernel allows 10

    /// <summary>
    /// The first of <see cref="FanIn"/> links B ⊃ A_i (each A_i holding the leaf; B ⊂ C ⊂ D ⊂ E built first) that
    /// the kernel refuses, for raw epolls.
    /// </summary>
    private (int Link, Errno Errno) KernelFanIn(bool leafInEach)
    {
        int leaf = _probe.EventFd();
        int[] top = [.. Enumerable.Range(0, 4).Select(_ => _probe.Epoll())]; // B, C, D, E
        for (int i = 0; i + 1 < top.Length; i++) Assert.Equal(Errno.None, KernelProbe.Add(top[i + 1], top[i]));
        for (int i = 0; i < FanIn; i++)
        {
            int a = _probe.Epoll();
            if (leafInEach) Assert.Equal(Errno.None, KernelProbe.Add(a, leaf));
            Errno result = KernelProbe.Add(top[0], a);
            if (result != Errno.None) return (i, result);
        }
        return (-1, Errno.None);
    }

    [LinuxTheory]
    [InlineData(SourceKind.Os)]
    [InlineData(SourceKind.InProcess)]
    public void TooManyWakeupPaths_FromOneFile_ThroughInstancesWithKernelSides_IsTheKernelsEinval(SourceKind leafKind)
    {
        (int Link, Errno Errno) kernel = KernelFanIn(leafInEach: true);
        Assert.Equal(Errno.EINVAL, kernel.Errno);

        SourceEnd leaf = Own(SourceEnd.Factory(leafKind).EventFd(Table));
        Epoll[] top = [.. Enumerable.Range(0, 4).Select(_ => NewEpoll())];
        for (int i = 0; i + 1 < top.Length; i++) Assert.Equal(Errno.None, Link(top[i + 1], top[i]));
        (int Link, Errno Errno) engine = (-1, Errno.None);
        for (int i = 0; i < FanIn && engine.Errno == Errno.None; i++)
        {
            Epoll a = WithKernelSide();
            leaf.AddTo(a, EpollEvents.In);
            Errno result = Link(top[0], a);
            if (result != Errno.None) engine = (i, result);
        }
        Assert.Equal(kernel, engine);
    }

    /// <summary>
    /// One instance A watched through <see cref="FanIn"/> paths of 5 epolls (A ⊂ B_j ⊂ C ⊂ D ⊂ E): the first link
    /// C ⊃ B_j the kernel refuses, with its errno, for raw epolls; A holds an eventfd when <paramref name="leafInA"/>.
    /// </summary>
    private (int Link, Errno Errno) KernelFanOut(bool leafInA)
    {
        int a = _probe.Epoll();
        if (leafInA) Assert.Equal(Errno.None, KernelProbe.Add(a, _probe.EventFd()));
        int[] top = [.. Enumerable.Range(0, 3).Select(_ => _probe.Epoll())]; // C, D, E
        for (int i = 0; i + 1 < top.Length; i++) Assert.Equal(Errno.None, KernelProbe.Add(top[i + 1], top[i]));
        for (int j = 0; j < FanIn; j++)
        {
            int b = _probe.Epoll();
            Assert.Equal(Errno.None, KernelProbe.Add(b, a));
            Errno result = KernelProbe.Add(top[0], b);
            if (result != Errno.None) return (j, result);
        }
        return (-1, Errno.None);
    }

    /// <summary>
    /// The kernel counts wakeup paths from files. With a file of the user's in A, the engine refuses the eleventh path
    /// with EINVAL exactly where the kernel does.
    /// </summary>
    [LinuxFact]
    public void PathsToAnInstanceHoldingAFile_AreCounted_TheEleventhIsEinval_AsInTheKernel() => AssertFanOutAsTheKernel(leafInA: true);

    /// <summary>
    /// The documented deviation (docs/os-descriptors.md, Limits): an instance that holds no file has no path for the
    /// kernel to count, but an instance whose kernel side holds no file of the user's (its OS registration deleted)
    /// still holds its own signal eventfd, a file in the kernel's eyes, so the engine refuses the eleventh path with
    /// EINVAL where the kernel, for raw epolls of the same shape, allows it.
    /// </summary>
    [LinuxFact]
    public void PathsToAKernelSideHoldingNoFileOfTheUsers_CountTheSignalEventFd_TheDocumentedDeviation()
    {
        Assert.Equal((-1, Errno.None), KernelFanOut(leafInA: false));
        Assert.Equal(KernelFanOut(leafInA: true), EngineFanOut(leafInA: false));
    }

    private void AssertFanOutAsTheKernel(bool leafInA)
    {
        (int Link, Errno Errno) kernel = KernelFanOut(leafInA);
        Assert.Equal(leafInA ? Errno.EINVAL : Errno.None, kernel.Errno);
        Assert.Equal(kernel, EngineFanOut(leafInA));
    }

    /// <summary>The engine's answer to <see cref="KernelFanOut"/>'s shape: the link that failed and its errno, or (-1, None).</summary>
    private (int Link, Errno Errno) EngineFanOut(bool leafInA)
    {
        Epoll a = NewEpoll();
        SourceEnd file = Own(SourceEnd.Factory(SourceKind.Os).EventFd(Table));
        file.AddTo(a, EpollEvents.In); // makes A's kernel side
        if (!leafInA) file.DeleteFrom(a); // which now holds no file of the user's
        Epoll[] top = [.. Enumerable.Range(0, 3).Select(_ => NewEpoll())];
        for (int i = 0; i + 1 < top.Length; i++) Assert.Equal(Errno.None, Link(top[i + 1], top[i]));
        for (int j = 0; j < FanIn; j++)
        {
            Epoll b = NewEpoll();
            Assert.Equal(Errno.None, Link(b, a));
            Errno result = Link(top[0], b);
            if (result != Errno.None) return (j, result);
        }
        return (-1, Errno.None);
    }

    /// <summary>
    /// The shape of <see cref="KernelFanOut"/> with an empty A (the kernel allows every link), then a file added into A
    /// last: the kernel refuses that ADD with EINVAL (ep_insert counts the new file's paths and takes it back).
    /// </summary>
    private Errno KernelFileAddedLast()
    {
        int a = _probe.Epoll();
        int[] top = [.. Enumerable.Range(0, 3).Select(_ => _probe.Epoll())]; // C, D, E
        for (int i = 0; i + 1 < top.Length; i++) Assert.Equal(Errno.None, KernelProbe.Add(top[i + 1], top[i]));
        for (int j = 0; j < FanIn; j++)
        {
            int b = _probe.Epoll();
            Assert.Equal(Errno.None, KernelProbe.Add(b, a));
            Assert.Equal(Errno.None, KernelProbe.Add(top[0], b));
        }
        return KernelProbe.Add(a, _probe.EventFd());
    }

    /// <summary>
    /// An OS descriptor added last into an instance that <see cref="FanIn"/> paths of 5 epolls already reach is refused
    /// with the kernel's EINVAL through both faces, and is not left registered: the Epoll handle's ctl counts the paths
    /// as the system-call layer's does.
    /// </summary>
    [LinuxFact]
    public void AnOsDescriptorAddedLast_IntoAnInstanceReachedByTooManyPaths_IsEinvalThroughBothFaces_AsInTheKernel()
    {
        Assert.Equal(Errno.EINVAL, KernelFileAddedLast());

        Epoll a = NewEpoll();
        Epoll[] top = [.. Enumerable.Range(0, 3).Select(_ => NewEpoll())];
        for (int i = 0; i + 1 < top.Length; i++) Assert.Equal(Errno.None, Link(top[i + 1], top[i]));
        for (int j = 0; j < FanIn; j++)
        {
            Epoll b = NewEpoll();
            Assert.Equal(Errno.None, Link(b, a));
            Assert.Equal(Errno.None, Link(top[0], b));
        }
        var os = Own(OsFd.EventFd());
        int osFd = OsFd.Number(os);
        Mutation.Refusal.Assert(Errno.EINVAL,
            $"EINVAL: the OS descriptor would be reached by too many wakeup paths through nested instances (epoll_ctl ADD, OS descriptor {osFd})",
            () => a.Add(os, EpollEvents.In));
        Assert.Equal(Errno.ENOENT, Outcome.Of(() => a.Delete(os))); // taken back
        Assert.Equal(Errno.EINVAL, LinkOs(a, osFd));
        Assert.Equal(Errno.ENOENT, Outcome.Of(() => a.Delete(os)));
    }

    // ---- the process-wide watcher of asynchronous waits --------------------------------------------------------

    /// <summary>A chain of 5 instances (4 links, the most the kernel allows), the bottom one holding an OS eventfd.</summary>
    private (Epoll Top, SourceEnd Leaf) FullDepthChain()
    {
        Epoll[] eps = [.. Enumerable.Range(0, 5).Select(_ => NewEpoll())];
        SourceEnd leaf = Own(SourceEnd.Factory(SourceKind.Os).EventFd(Table));
        leaf.AddTo(eps[4], EpollEvents.In);
        for (int i = 0; i + 1 < eps.Length; i++) Assert.Equal(Errno.None, Link(eps[i], eps[i + 1]));
        return (eps[0], leaf);
    }

    [LinuxFact]
    public async Task WaitAsync_OnTheTopOfAFullDepthChain_CompletesOnTheOsEventAtTheBottom()
    {
        (Epoll top, SourceEnd leaf) = FullDepthChain();
        ValueTask<int> pending = top.WaitAsync(new EpollEvent[4]);
        Assert.False(pending.IsCompleted);
        leaf.Signal();
        Assert.Equal(1, await pending.AsTask().WaitAsync(Failsafe.Limit));
    }

    [LinuxFact]
    public async Task AfterAWaitAsync_AChainOfTheFullDepthCanStillBeBuiltBelow()
    {
        int[] raw = [.. Enumerable.Range(0, 5).Select(_ => _probe.Epoll())];
        for (int i = 0; i + 1 < raw.Length; i++) Assert.Equal(Errno.None, KernelProbe.Add(raw[i], raw[i + 1]));

        Epoll top = WithKernelSide();
        SourceEnd ready = Own(SourceEnd.Factory(SourceKind.InProcess).EventFd(Table));
        ready.AddTo(top, EpollEvents.In | EpollEvents.EdgeTriggered);
        ValueTask<int> pending = top.WaitAsync(new EpollEvent[4]); // pends: armed in the process-wide watcher
        Assert.False(pending.IsCompleted);
        ready.Signal();
        Assert.Equal(1, await pending.AsTask().WaitAsync(Failsafe.Limit));

        Epoll[] below = [.. Enumerable.Range(0, 4).Select(_ => WithKernelSide())];
        for (int i = 0; i + 1 < below.Length; i++) Assert.Equal(Errno.None, Link(below[i], below[i + 1]));
        Assert.Equal(Errno.None, Link(top, below[0])); // 4 links in all, as the kernel's raw chain above
    }

    // ---- readiness -------------------------------------------------------------------------------------------

    [LinuxFact]
    public void AnInstanceWatchingOsDescriptors_IsReadableThroughTwoLevels_WhileItsOsSideIsReady()
    {
        Epoll inner = NewEpoll(), middle = NewEpoll(), outer = NewEpoll();
        (SourceEnd mine, SourceEnd peer) = SourceEnd.Factory(SourceKind.Os).SocketPair(Table);
        Own(mine);
        Own(peer);
        mine.AddTo(inner, EpollEvents.In, 1);
        middle.Add(inner, EpollEvents.In, 2);
        outer.Add(middle, EpollEvents.In | EpollEvents.EdgeTriggered, 3);
        EpollEvents[] Polls() => [.. new[] { inner, middle, outer }.Select(e => _px.PollNow(e.Fd, EpollEvents.In))];
        Assert.All(Polls(), p => Assert.Equal(EpollEvents.None, p));

        peer.Write("x"u8);
        Assert.All(Polls(), p => Assert.Equal(EpollEvents.In, p));
        var events = new EpollEvent[4];
        int got = outer.Wait(events, 0);
        Assert.True(got == 1, $"the outer instance reported {got} events; a second wait {outer.Wait(events, 0)}, polls now {string.Join(", ", Polls())}");
        Assert.Equal(new EpollEvent(EpollEvents.In, 3), events[0]);
        Assert.Equal(0, outer.Wait(events, 0)); // edge-triggered at the top: consumed there (so outer polls empty) ...
        Assert.Equal([EpollEvents.In, EpollEvents.In, EpollEvents.None], Polls()); // ... and only there

        Assert.Equal(1, mine.Read(new byte[1]));
        Assert.All(Polls(), p => Assert.Equal(EpollEvents.None, p));
        Assert.Equal(0, middle.Wait(events, 0));
    }
}

using System.Net.Sockets;
using EventPoll.Tests.Rules;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Os;

/// <summary>
/// One instance watching OS descriptors next to in-process sources (issue 14): the handle API, one batch for both
/// kinds, data words the kernel carries, waits that block in the kernel, nesting through the kernel.
/// </summary>
public sealed class OsDescriptorTests : IDisposable
{
    private readonly DescriptorTable _table = new();
    private readonly Socket _mine;
    private readonly Socket _peer;

    public OsDescriptorTests()
    {
        (_mine, _peer) = SocketPairOf();
    }

    internal static (Socket, Socket) SocketPairOf()
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        string path = Path.Combine(Path.GetTempPath(), $"evp-{Guid.NewGuid():N}.sock");
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(path));
        Socket server = listener.Accept();
        listener.Dispose();
        File.Delete(path);
        return (server, client);
    }

    [LinuxFact]
    public void InProcessEventsFirst_WithoutASystemCall_AndTheKernelsTurnWithinTheBound_BothKindsInOneBatch()
    {
        using var ep = new Epoll(_table);
        using var efd = new EventFd(table: _table);
        ep.Add(_mine, EpollEvents.In, data: 1);
        ep.Add(efd, EpollEvents.In, data: 2); // level-triggered and never consumed: ready in every wait
        _peer.Send("x"u8);
        efd.Signal(1);
        var kernel = EngineAccess.Instance(ep).Kernel!;
        var events = new EpollEvent[8];

        for (int round = 0; round < 3; round++)
        {
            long calls = kernel.WaitCalls;
            for (int i = 0; i < Eventpoll.MinOsFairnessBound; i++)
            {
                Assert.Equal(1, ep.Wait(events, 0));
                Assert.Equal(2ul, events[0].Data);
            }
            Assert.Equal(calls, kernel.WaitCalls); // in-process events found: no system call

            Assert.Equal(2, ep.Wait(events, 0)); // the kernel's turn: its events, then the in-process ones
            Assert.Equal([1ul, 2ul], events.Take(2).Select(e => e.Data));
            Assert.Equal(calls + 1, kernel.WaitCalls);
        }
    }

    [LinuxFact]
    public void AWaitThatFindsNoInProcessEvent_MakesOneSystemCall_AndReportsBothKinds()
    {
        using var ep = new Epoll(_table);
        using var efd = new EventFd(table: _table);
        ep.Add(_mine, EpollEvents.In, data: 1);
        ep.Add(efd, EpollEvents.In, data: 2);
        var kernel = EngineAccess.Instance(ep).Kernel!;
        var events = new EpollEvent[8];
        long calls = kernel.WaitCalls;
        Assert.Equal(0, ep.Wait(events, 0));
        Assert.Equal(calls + 1, kernel.WaitCalls);

        _peer.Send("x"u8);
        Assert.Equal(1, ep.Wait(events, 0));
        Assert.Equal(1ul, events[0].Data);
        Assert.Equal(calls + 2, kernel.WaitCalls);
    }

    [LinuxTheory]
    [InlineData(ulong.MaxValue)]
    [InlineData(ulong.MaxValue - 1)]
    [InlineData(0xFFFF_FFFF_0000_0000)]
    [InlineData(0xFFFF_FFFE_FFFF_FFFF)]
    public void EveryDataWord_ComesBackAsGiven_TheReservedRangeIncluded(ulong data)
    {
        using var ep = new Epoll(_table);
        ep.Add(_mine, EpollEvents.In, data);
        _peer.Send("x"u8);
        var events = new EpollEvent[4];
        Assert.Equal(1, ep.Wait(events, 0));
        Assert.Equal(data, events[0].Data);
        Assert.Contains($"data: {data,16:x}", ep.GetFdInfo(), StringComparison.Ordinal);

        ep.Modify(_mine, EpollEvents.In, data ^ 1);
        Assert.Equal(1, ep.Wait(events, 0));
        Assert.Equal(data ^ 1, events[0].Data);
        ep.Delete(_mine);
        Assert.Equal(0, ep.Wait(events, 0));
    }

    [LinuxFact]
    public async Task AWaitWithOnlyOsSources_BlocksInTheKernel_UntilTheSocketIsReadable()
    {
        using var ep = new Epoll(_table);
        ep.Add(_mine, EpollEvents.In, data: 7);
        Task<int> wait = Task.Factory.StartNew(() => ep.Wait(new EpollEvent[4], -1), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.True(SpinWait.SpinUntil(() => EngineAccess.Instance(ep).Kernel!.HasLeader, Failsafe.Limit));
        _peer.Send("x"u8);
        Assert.Equal(1, await wait.WaitAsync(Failsafe.Limit));
    }

    [LinuxFact]
    public async Task AnInProcessWakeup_OfAThreadBlockedInTheKernel_IsOneEventFdWrite()
    {
        using var ep = new Epoll(_table);
        using var efd = new EventFd(table: _table);
        ep.Add(_mine, EpollEvents.In, data: 1);
        ep.Add(efd, EpollEvents.In | EpollEvents.EdgeTriggered, data: 2);
        var kernel = EngineAccess.Instance(ep).Kernel!;
        var events = new EpollEvent[4];
        Task<int> wait = Task.Factory.StartNew(() => ep.Wait(events, -1), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.True(SpinWait.SpinUntil(() => kernel.HasLeader, Failsafe.Limit));
        long before = kernel.SignalWrites;
        efd.Signal(1);
        Assert.Equal(1, await wait.WaitAsync(Failsafe.Limit));
        Assert.Equal(2ul, events[0].Data);
        Assert.Equal(1, kernel.SignalWrites - before);

        efd.Signal(1); // no thread in the kernel: no write
        Assert.Equal(1, kernel.SignalWrites - before);
    }

    [LinuxFact]
    public async Task Cancellation_EndsAWaitBlockedInTheKernel()
    {
        using var ep = new Epoll(_table);
        ep.Add(_mine, EpollEvents.In);
        using var cts = new CancellationTokenSource();
        Task<int> wait = Task.Factory.StartNew(() => ep.Wait(new EpollEvent[4], -1, cts.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.True(SpinWait.SpinUntil(() => EngineAccess.Instance(ep).Kernel!.HasLeader, Failsafe.Limit));
        await cts.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() => wait.WaitAsync(Failsafe.Limit));
    }

    [LinuxFact]
    public async Task WaitAsync_IsCompletedByAnOsEvent()
    {
        using var ep = new Epoll(_table);
        ep.Add(_mine, EpollEvents.In, data: 3);
        var events = new EpollEvent[4];
        ValueTask<int> pending = ep.WaitAsync(events);
        Assert.False(pending.IsCompleted);
        _peer.Send("x"u8);
        Assert.Equal(1, await pending.AsTask().WaitAsync(Failsafe.Limit));
        Assert.Equal(3ul, events[0].Data);
    }

    [LinuxFact]
    public void AnInstanceWatchingOsDescriptors_IsReadableAsAFile_AndReportedByItsWatcher()
    {
        using var outer = new Epoll(_table);
        using var inner = new Epoll(_table);
        inner.Add(_mine, EpollEvents.In, data: 1);
        outer.Add(inner, EpollEvents.In, data: 10);
        var events = new EpollEvent[4];
        Assert.Equal(0, outer.Wait(events, 0));
        Assert.Equal(EpollEvents.None, Posix(inner).PollNow(inner.Fd, EpollEvents.In));

        _peer.Send("x"u8);
        Assert.Equal(EpollEvents.In, Posix(inner).PollNow(inner.Fd, EpollEvents.In));
        Assert.Equal(1, outer.Wait(events, 0));
        Assert.Equal(new EpollEvent(EpollEvents.In, 10), events[0]);
    }

    [LinuxFact]
    public void AWatchedInstance_ThatLaterGainsAKernelSide_TakesItsWatcherAlong()
    {
        using var outer = new Epoll(_table);
        using var inner = new Epoll(_table);
        using var efd = new EventFd(table: _table);
        outer.Add(inner, EpollEvents.In, data: 10);
        inner.Add(efd, EpollEvents.In, data: 2);
        inner.Add(_mine, EpollEvents.In, data: 1); // inner's kernel side is made now, and outer's with it
        Assert.NotNull(EngineAccess.Instance(outer).Kernel);
        var events = new EpollEvent[4];
        Assert.Equal(0, outer.Wait(events, 0));

        _peer.Send("x"u8);
        Assert.Equal(1, outer.Wait(events, 0));
        Assert.Equal(10ul, events[0].Data);
        _mine.Receive(new byte[1]);
        Assert.Equal(0, outer.Wait(events, 0));

        efd.Signal(1); // in-process readiness of inner reaches outer through inner's signal eventfd
        Assert.Equal(1, outer.Wait(events, 0));
        Assert.Equal(10ul, events[0].Data);
        efd.Consume();
        Assert.Equal(0, outer.Wait(events, 0)); // a stale signal is not reported
    }

    [LinuxFact]
    public void ADisposedSocket_CannotBeDeleted_AndItsRegistrationWentWithIt()
    {
        using var ep = new Epoll(_table);
        ep.Add(_peer, EpollEvents.In, data: 4);
        _mine.Send("x"u8);
        _peer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => ep.Delete(_peer));
        Assert.Equal(0, ep.Wait(new EpollEvent[4], 0));
        Assert.DoesNotContain("tfd:", ep.GetFdInfo(), StringComparison.Ordinal);
    }

    [LinuxFact]
    public void AddModifyDelete_OfAnOsDescriptor_AllocateNothing()
    {
        using var ep = new Epoll(_table);
        for (int i = 0; i < 100; i++) AddModifyDelete(ep); // warm-up (JIT, tiering, the kernel side)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1_000; i++) AddModifyDelete(ep);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private void AddModifyDelete(Epoll ep)
    {
        ep.Add(_mine, EpollEvents.In, 1);
        ep.Modify(_mine, EpollEvents.Out, 2);
        ep.Delete(_mine);
    }

    [LinuxFact]
    public void KernelErrors_AreTheKernels_WithTheirErrnoNames()
    {
        using var ep = new Epoll(_table);
        ep.Add(_mine, EpollEvents.In);
        var again = Assert.Throws<EpollException>(() => ep.Add(_mine, EpollEvents.In));
        Assert.Equal(Errno.EEXIST, again.Errno);
        Assert.StartsWith("EEXIST:", again.Message, StringComparison.Ordinal);
        Assert.Equal(Errno.ENOENT, Assert.Throws<EpollException>(() => ep.Modify(_peer, EpollEvents.In)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<EpollException>(() => ep.Add(_peer, EpollEvents.In | EpollEvents.Exclusive | EpollEvents.OneShot)).Errno);
    }

    private Posix Posix(Epoll _) => new(_table);

    public void Dispose()
    {
        _mine.Dispose();
        _peer.Dispose();
    }
}

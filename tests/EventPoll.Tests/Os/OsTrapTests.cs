using System.Diagnostics;
using System.Runtime.InteropServices;
using EventPoll.Interop;
using EventPoll.Tests.Rules;
using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Os;

/// <summary>
/// The known traps of epoll an instance with OS descriptors must keep as Linux has them (issue 14,
/// shared/reference/event-loops.md): ERR and HUP with an empty interest, events of a batch harvested before a
/// close, EINTR retried with the time that remains, and the layout of <c>struct epoll_event</c>.
/// </summary>
public sealed class OsTrapTests : HandleOwner
{
    private Epoll NewEpoll() => Own(new Epoll(Table));

    private (SourceEnd A, SourceEnd B) SocketPair(SourceKind kind)
    {
        (SourceEnd a, SourceEnd b) = SourceEnd.Factory(kind).SocketPair(Table);
        return (Own(a), Own(b));
    }

    /// <summary>
    /// Java NIO's spin (interestOps(0) on a hung-up channel): EPOLLHUP is reported with no requested event, and
    /// EPOLL_CTL_MOD to 0 does not disarm it; level-triggered, every wait reports it until DEL, or once with ONESHOT.
    /// </summary>
    [LinuxTheory]
    [InlineData(SourceKind.InProcess)]
    [InlineData(SourceKind.Os)]
    public void Hup_ArrivesWithAnEmptyInterest_AndModToZeroDoesNotDisarmIt(SourceKind kind)
    {
        Epoll ep = NewEpoll();
        (SourceEnd mine, SourceEnd peer) = SocketPair(kind);
        mine.AddTo(ep, EpollEvents.In, data: 5);
        mine.ModifyIn(ep, EpollEvents.None, data: 5);
        var events = new EpollEvent[4];
        Assert.Equal(0, ep.Wait(events, 0));

        peer.Shutdown(SocketShutdown.Both);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(1, ep.Wait(events, 0));
            Assert.Equal(new EpollEvent(EpollEvents.Hup, 5), events[0]); // nothing asked for, HUP alone
        }
        mine.ModifyIn(ep, EpollEvents.None, data: 5); // "disarm" again: still there
        Assert.Equal(1, ep.Wait(events, 0));

        mine.ModifyIn(ep, EpollEvents.OneShot, data: 6); // the remedies: ONESHOT (once) ...
        Assert.Equal(1, ep.Wait(events, 0));
        Assert.Equal(new EpollEvent(EpollEvents.Hup, 6), events[0]);
        Assert.Equal(0, ep.Wait(events, 0));
        mine.ModifyIn(ep, EpollEvents.None, data: 7); // MOD re-arms a fired ONESHOT
        Assert.Equal(1, ep.Wait(events, 0));
        mine.DeleteFrom(ep); // ... or DEL
        Assert.Equal(0, ep.Wait(events, 0));
    }

    /// <summary>EPOLLERR likewise: a pipe's write end whose reader is gone, registered with no event at all.</summary>
    [LinuxTheory]
    [InlineData(SourceKind.InProcess)]
    [InlineData(SourceKind.Os)]
    public void Err_ArrivesWithAnEmptyInterest_AndModToZeroDoesNotDisarmIt(SourceKind kind)
    {
        Epoll ep = NewEpoll();
        (SourceEnd reader, SourceEnd writer) = SourceEnd.Factory(kind).Pipe(Table);
        Own(writer);
        writer.AddTo(ep, EpollEvents.None, data: 9);
        var events = new EpollEvent[4];
        Assert.Equal(0, ep.Wait(events, 0)); // writable, but OUT was not asked for

        reader.Dispose();
        Assert.Equal(1, ep.Wait(events, 0));
        Assert.Equal(new EpollEvent(EpollEvents.Err, 9), events[0]);
        writer.ModifyIn(ep, EpollEvents.None, data: 9);
        Assert.Equal(1, ep.Wait(events, 0));
        Assert.Equal(new EpollEvent(EpollEvents.Err, 9), events[0]);
    }

    /// <summary>
    /// What the user sees of an event harvested before its descriptor was closed: the batch is the user's copy, so
    /// the event stays in it with the closed registration's data word (never the data of whatever registration takes
    /// the number next); no later wait reports it. A loop that closes descriptors while it walks a batch must skip the
    /// events of those it closed (by its own bookkeeping: EventPoll cannot retract a returned event, nor can Linux).
    /// </summary>
    [LinuxTheory]
    [InlineData(SourceKind.InProcess)]
    [InlineData(SourceKind.Os)]
    public void AnEventHarvestedBeforeItsDescriptorClosed_StaysInTheBatch_WithItsOwnData_AndIsNeverReportedAgain(SourceKind kind)
    {
        Epoll ep = NewEpoll();
        (SourceEnd first, SourceEnd firstPeer) = SocketPair(kind);
        (SourceEnd second, SourceEnd secondPeer) = SourceEnd.Factory(kind).SocketPair(Table);
        Own(secondPeer);
        first.AddTo(ep, EpollEvents.In, data: 1);
        second.AddTo(ep, EpollEvents.In, data: 2);
        firstPeer.Write("a"u8);
        secondPeer.Write("b"u8);

        var batch = new EpollEvent[4];
        Assert.Equal(2, ep.Wait(batch, 0));
        Assert.Equal([1ul, 2ul], batch.Take(2).Select(e => e.Data).Order());
        second.Dispose(); // closed while the batch is being walked

        (SourceEnd next, SourceEnd nextPeer) = SocketPair(kind); // may take the closed number
        next.AddTo(ep, EpollEvents.In, data: 3);
        nextPeer.Write("c"u8);
        Assert.Contains(new EpollEvent(EpollEvents.In, 2), batch.Take(2)); // still there, with the old data

        var later = new EpollEvent[4];
        Assert.Equal(2, ep.Wait(later, 0));
        Assert.Equal([1ul, 3ul], later.Take(2).Select(e => e.Data).Order());
    }

    /// <summary>
    /// A signal handled while a thread blocks in the kernel for <see cref="Epoll.Wait(Span{EpollEvent}, int, CancellationToken)"/>
    /// interrupts epoll_pwait2 (EINTR, never restarted); the wait goes on with the time that remains and returns 0 at
    /// the end of its timeout, not early and not with an error.
    /// </summary>
    [LinuxFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task AnEintr_InEpollWait_IsRetriedWithTheRemainingTimeout()
    {
        using var handler = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, context => context.Cancel = true);
        Epoll ep = NewEpoll();
        (SourceEnd mine, _) = SocketPair(SourceKind.Os);
        mine.AddTo(ep, EpollEvents.In);
        KernelPoller kernel = Outcome.Engine(ep).Kernel!;
        TimeSpan timeout = TimeSpan.FromMilliseconds(400);
        int tid = 0;
        var clock = Stopwatch.StartNew();
        Task<int> wait = OsWaits.OnThread(() =>
        {
            Volatile.Write(ref tid, OsThreads.GetTid());
            return ep.Wait(new EpollEvent[4], timeout);
        });
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref tid) != 0 && OsThreads.InEpollWait(tid), Failsafe.Limit));
        long interrupted = kernel.Interruptions;

        Assert.Equal(0, OsThreads.TgKill(Environment.ProcessId, tid, OsThreads.SigWinch));

        Assert.Equal(0, await wait.WaitAsync(Failsafe.Limit));
        Assert.True(clock.Elapsed >= timeout, $"returned after {clock.Elapsed.TotalMilliseconds} ms");
        Assert.True(kernel.Interruptions > interrupted, "the signal did not interrupt the wait");
    }

    /// <summary>Without a timeout: the interrupted wait blocks in the kernel again, and returns the event that comes next.</summary>
    [LinuxFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task AnEintr_InAnInfiniteEpollWait_BlocksAgain_UntilTheEvent()
    {
        using var handler = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, context => context.Cancel = true);
        Epoll ep = NewEpoll();
        (SourceEnd mine, SourceEnd peer) = SocketPair(SourceKind.Os);
        mine.AddTo(ep, EpollEvents.In, data: 8);
        KernelPoller kernel = Outcome.Engine(ep).Kernel!;
        int tid = 0;
        var events = new EpollEvent[4];
        Task<int> wait = OsWaits.OnThread(() =>
        {
            Volatile.Write(ref tid, OsThreads.GetTid());
            return ep.Wait(events, -1);
        });
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref tid) != 0 && OsThreads.InEpollWait(tid), Failsafe.Limit));
        long interrupted = kernel.Interruptions;
        Assert.Equal(0, OsThreads.TgKill(Environment.ProcessId, tid, OsThreads.SigWinch));
        Assert.True(SpinWait.SpinUntil(() => kernel.Interruptions > interrupted && OsThreads.InEpollWait(tid), Failsafe.Limit),
            "the interrupted wait did not block in the kernel again");
        Assert.False(wait.IsCompleted);

        peer.Write("x"u8);
        Assert.Equal(1, await wait.WaitAsync(Failsafe.Limit));
        Assert.Equal(new EpollEvent(EpollEvents.In, 8), events[0]);
    }

    /// <summary>
    /// <see cref="EpollEvent"/> is <c>struct epoll_event</c> as x86 Linux has it: packed, 12 bytes, data at offset 4.
    /// Where that is the kernel's layout (here), the kernel writes its records 12 bytes apart into a buffer of them;
    /// elsewhere the calls copy through <see cref="AlignedEpollEvent"/> (KernelPollerTests checks that layout), and
    /// the kernel side works the same.
    /// </summary>
    [Fact]
    public void EpollEvent_IsThePacked12ByteStruct_AndTheKernelSideWorksWhateverTheAbi()
    {
        Assert.Equal(12, Marshal.SizeOf<EpollEvent>());
        Assert.Equal(12, System.Runtime.CompilerServices.Unsafe.SizeOf<EpollEvent>());
        Assert.Equal(4, (int)Marshal.OffsetOf<EpollEvent>(nameof(EpollEvent.Data)));
        Assert.Equal(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86, LinuxSyscalls.EpollEventLayoutMatches);
        if (!OperatingSystem.IsLinux()) return;

        Assert.Equal(0, KernelPoller.Create(out KernelPoller? poller));
        poller!.Close();
        if (LinuxSyscalls.EpollEventLayoutMatches) AssertTheKernelWrites12ByteRecords();
    }

    /// <summary>Two ready eventfds in a raw kernel epoll, harvested into a buffer larger than asked for: records at 0 and 12, nothing past 24.</summary>
    private static void AssertTheKernelWrites12ByteRecords()
    {
        using var probe = new KernelProbe();
        int epfd = probe.Epoll();
        const ulong First = 0x1111_2222_3333_4444, Second = 0x5555_6666_7777_8888;
        foreach (ulong data in new[] { First, Second })
        {
            int efd = probe.EventFd();
            OsFd.Signal(efd);
            Assert.Equal(0, LinuxSyscalls.EpollCtl(epfd, (int)EpollOp.Add, efd, new EpollEvent(EpollEvents.In, data)));
        }
        var buffer = new EpollEvent[4];
        Span<byte> bytes = MemoryMarshal.AsBytes(buffer.AsSpan());
        bytes.Fill(0xAA);
        Assert.Equal(2, LinuxSyscalls.EpollWait(epfd, buffer, 2, 0));
        Assert.Equal((uint)EpollEvents.In, BitConverter.ToUInt32(bytes[0..4]));
        Assert.Equal((uint)EpollEvents.In, BitConverter.ToUInt32(bytes[12..16]));
        Assert.Equal([First, Second], new[] { BitConverter.ToUInt64(bytes[4..12]), BitConverter.ToUInt64(bytes[16..24]) }.Order());
        Assert.True(bytes[24..].IndexOfAnyExcept((byte)0xAA) < 0, "the kernel wrote past two 12-byte records");
    }
}

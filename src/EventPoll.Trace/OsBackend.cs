using EventPoll.Interop;

namespace EventPoll.Trace;

/// <summary>
/// EventPoll instances watching real OS descriptors (issue 14): every <c>epoll</c> is an engine instance of the POSIX
/// facade, and each source is either a real OS object (eventfd2, pipe2, socketpair) watched through
/// <see cref="Posix.EpollCtlOs"/>, or an in-process one, as the placement rule says by the source's name:
/// <see cref="AllOs"/> (<c>--backend os</c>) puts every source in the OS, <see cref="Mixed"/> (<c>--backend mixed</c>)
/// some on each side.
/// </summary>
/// <remarks>
/// <para><b>One number space.</b> The trace sees the engine table's numbers. An OS descriptor holds its number N there
/// with an inert entry (<see cref="NumberHolder"/>) and itself lives at N in this backend's block of process numbers
/// (<see cref="OsNumberRegion"/>). So every number, on either side, is the lowest one free among the trace's own
/// descriptors, as on the kernel backend (the instances' kernel sides and the descriptors moved from stay out of the
/// way), and the numbers fdinfo shows for OS registrations map back by subtraction. A trace may hold
/// <see cref="OsNumberRegion.Size"/> descriptors at once here (EMFILE beyond).</para>
/// <para><b>Routing.</b> A call goes to the side of its descriptor; -1 (a closed name) goes to the engine, which
/// answers it as the kernel does. epoll_ctl on an engine instance takes an OS target through
/// <see cref="Posix.EpollCtlOs"/>. epoll_ctl with an OS source as epfd is the kernel's own: it checks that the target
/// is open and pollable and then refuses the epfd (EINVAL); an engine target is both, so epfd's own descriptor, which
/// is both too, stands in for it.</para>
/// </remarks>
internal sealed class OsBackend : ITraceBackend
{
    private readonly OsNumberRegion _region = new();
    private readonly KernelBackend _os = new();
    private readonly ManagedBackend _engine;
    private readonly Func<string, bool> _inOs;
    private readonly HashSet<int> _osNumbers = []; // the engine-table numbers that stand for OS descriptors
    private readonly HashSet<EpItem> _movedQueued = []; // see MovedQueued
    private readonly PollScansBesideKernel _scans;

    private OsBackend(Func<string, bool> inOs)
    {
        _inOs = inOs;
        _engine = new ManagedBackend(new DescriptorTable(OsNumberRegion.Size)); // the trace's numbers fit the block
        _scans = new PollScansBesideKernel(_engine.Table, _region, IsOs);
    }

    /// <summary>Every source a real OS object (<c>--backend os</c>).</summary>
    internal static OsBackend AllOs() => new(_ => true);

    /// <summary>Each source in the OS or in-process by <see cref="MixedPlacement.InOs"/> (<c>--backend mixed</c>).</summary>
    internal static OsBackend Mixed(int seed) => new(name => MixedPlacement.InOs(name, seed));

    /// <summary>How the latest successful wait on an instance made its batch.</summary>
    internal BatchOrigin LastBatch { get; private set; }

    /// <summary>
    /// Whether the latest ctl moved a registration that was queued in-process into its instance's kernel epoll (an
    /// instance watched by others made its kernel side, <see cref="Eventpoll"/>'s AdoptKernelWatchers): the kernel
    /// queues it at the move, so its place in the ready order is no longer the one its wakeup gave it.
    /// </summary>
    internal bool MovedQueued { get; private set; }

    public int EventFd(string name, uint initial, bool semaphore) =>
        _inOs(name) ? Adopt(_os.EventFd(name, initial, semaphore)) : _engine.EventFd(name, initial, semaphore);

    public int Pipe(string name, out int readFd, out int writeFd) => _inOs(name)
        ? AdoptPair(_os.Pipe(name, out readFd, out writeFd), ref readFd, ref writeFd)
        : _engine.Pipe(name, out readFd, out writeFd);

    public int SocketPair(string name, out int first, out int second) => _inOs(name)
        ? AdoptPair(_os.SocketPair(name, out first, out second), ref first, ref second)
        : _engine.SocketPair(name, out first, out second);

    public int EpollCreate() => _engine.EpollCreate();

    public int Dup(int fd)
    {
        if (!IsOs(fd)) return _engine.Dup(fd);
        int number = HoldNumber();
        if (number < 0) return number;
        int duplicate = _os.DupExactly(Os(fd), Os(number));
        return duplicate < 0 ? Unhold(number, duplicate) : Keep(number);
    }

    public int Close(int fd)
    {
        _scans.Closed();
        if (!_osNumbers.Remove(fd)) return _engine.Close(fd);
        _engine.Close(fd); // the number's holder
        return _os.Close(Os(fd));
    }

    public int Ctl(int epfd, int op, int fd, EpollEvents events, ulong data)
    {
        MovedQueued = false;
        if (IsOs(epfd)) return _os.Ctl(Os(epfd), op, fd < 0 ? -1 : Os(IsOs(fd) ? fd : epfd), events, data);
        int result = IsOs(fd) ? _engine.CtlOs(epfd, op, Os(fd), events, data) : _engine.Ctl(epfd, op, fd, events, data);
        MovedQueued = MovedQueuedRegistration();
        return result;
    }

    public long Write(int fd, ReadOnlySpan<byte> data) => IsOs(fd) ? _os.Write(Os(fd), data) : _engine.Write(fd, data);

    public long Read(int fd, Span<byte> buffer) => IsOs(fd) ? _os.Read(Os(fd), buffer) : _engine.Read(fd, buffer);

    public int Shutdown(int fd, int how) => IsOs(fd) ? _os.Shutdown(Os(fd), how) : _engine.Shutdown(fd, how);

    public int Wait(int epfd, int maxEvents, int timeoutMs, Span<EpollEvent> events)
    {
        if (IsOs(epfd)) return _os.Wait(Os(epfd), maxEvents, timeoutMs, events); // never an epoll: refused before any event
        if (Syscalls.PinInstance(_engine.Table, epfd, out Eventpoll? ep) < 0) return _engine.Wait(epfd, maxEvents, timeoutMs, events);
        try
        {
            long asked = ep!.Kernel is { } before ? KernelAnswers(before) : 0;
            int n = _engine.Wait(epfd, maxEvents, timeoutMs, events);
            LastBatch = ep.Kernel is { } kernel
                ? new BatchOrigin(ep.LastBatchFromKernel, KernelAnswers(kernel) != asked, ep.SnapshotItems().Any(item => !item.KernelHeld))
                : default;
            return n;
        }
        finally
        {
            ep!.Release();
        }
    }

    /// <summary>
    /// The kernel side's answers so far: its epoll_wait calls and the turns its readiness ring answered for it (that the
    /// kernel had nothing), so a wait the ring served is judged as strictly as one that asked the kernel.
    /// </summary>
    private static long KernelAnswers(KernelPoller kernel) => kernel.WaitCalls + kernel.QuietTurns;

    public int Poll(int fd, EpollEvents events) => IsOs(fd) ? _os.Poll(Os(fd), events) : _engine.Poll(fd, events);

    /// <summary>
    /// Whether a poll of an instance since the latest call (a poll command's, or one inside a watcher's wait or ctl)
    /// scanned where Linux's one scan of both kinds may have ended elsewhere (<see cref="PollScansBesideKernel"/>).
    /// </summary>
    internal bool PollScannedApart() => _scans.AnySinceLast();

    public int FdInfo(int epfd, List<FdInfoItem> items)
    {
        if (IsOs(epfd)) return _os.FdInfo(Os(epfd), items);
        int r = _engine.FdInfo(epfd, items);
        for (int i = 0; i < items.Count; i++)
        {
            if (items[i].Tfd >= _region.Base) items[i] = items[i] with { Tfd = items[i].Tfd - _region.Base };
        }
        return r;
    }

    public void Dispose()
    {
        _engine.Dispose();
        _os.Dispose();
        _region.Dispose();
    }

    /// <summary>
    /// Looks for registrations held in a kernel epoll that are still queued in-process, which only a move leaves behind
    /// (the next harvest of their instance drops them), and is true when one was not seen before.
    /// </summary>
    private bool MovedQueuedRegistration()
    {
        bool found = false;
        foreach (int fd in _engine.Table.OpenDescriptors())
        {
            if (Syscalls.PinInstance(_engine.Table, fd, out Eventpoll? ep) < 0) continue;
            foreach (EpItem item in ep!.SnapshotItems())
            {
                if (item.KernelHeld && Volatile.Read(ref item.Queued) != 0) found |= _movedQueued.Add(item);
            }
            ep.Release();
        }
        return found;
    }

    private bool IsOs(int fd) => _osNumbers.Contains(fd);

    private int Os(int number) => _region.Base + number;

    /// <summary>Gives a new OS descriptor its number (see the remarks): the number, or <c>-errno</c> with the descriptor closed.</summary>
    private int Adopt(int osFd)
    {
        if (osFd < 0) return osFd;
        int number = HoldNumber();
        int placed = number < 0 ? number : _os.DupExactly(osFd, Os(number));
        _os.Close(osFd);
        if (placed < 0) return number < 0 ? number : Unhold(number, placed);
        return Keep(number);
    }

    /// <summary><see cref="Adopt"/> for both ends of a new pair; on failure neither is left open.</summary>
    private int AdoptPair(int result, ref int first, ref int second)
    {
        if (result < 0) return result;
        int a = Adopt(first);
        int b = a < 0 ? a : Adopt(second);
        if (a < 0) _os.Close(second);
        else if (b < 0) Close(a);
        (first, second) = b < 0 ? (-1, -1) : (a, b);
        return Math.Min(b, 0);
    }

    /// <summary>The lowest free engine-table number, held for an OS descriptor, or <c>-errno</c> (EMFILE).</summary>
    private int HoldNumber() => _engine.Table.Install(new NumberHolder());

    private int Unhold(int number, int error)
    {
        _engine.Close(number);
        return error;
    }

    private int Keep(int number)
    {
        _osNumbers.Add(number);
        return number;
    }

    /// <summary>The engine-table entry of an OS descriptor: it only holds the number, and routing never hands it to the engine.</summary>
    private sealed class NumberHolder : OpenFile
    {
        public override EpollEvents Poll(PollTable? table) => throw new InvalidOperationException("an OS descriptor's number holder reached the engine");
    }
}

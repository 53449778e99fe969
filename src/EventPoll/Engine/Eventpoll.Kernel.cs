using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using EventPoll.Interop;

namespace EventPoll;

/// <summary>
/// The kernel side of an instance: OS descriptors next to in-process sources (issue 14).
/// </summary>
/// <remarks>
/// <para><b>Shape.</b> An instance makes a kernel epoll (<see cref="KernelPoller"/>) on its first OS registration.
/// OS registrations live only there: the kernel is the source of truth, keyed by (file, descriptor) as in any epoll,
/// so closing a descriptor removes its registration and a reused number cannot inherit it. A wait that finds
/// in-process events makes no system call; one that finds none makes one epoll_wait (epoll_pwait2), blocking there
/// with the remaining timeout; an in-process wakeup of a thread blocked there is one eventfd write.</para>
/// <para><b>Order in a batch.</b> In-process events first, then OS events in the kernel's order, except on the kernel's
/// turn: after <c>_osFairnessBound</c> waits in a row served from in-process events alone, the next wait asks the kernel
/// first. The bound adapts, as tokio's event_interval does for its driver: it starts at <see cref="MinOsFairnessBound"/>,
/// a turn that finds no OS event doubles it (up to <see cref="MaxOsFairnessBound"/>), and a kernel wait that finds
/// OS events sets it back to <see cref="MinOsFairnessBound"/>. So while OS events flow the kernel's turn comes every
/// <see cref="MinOsFairnessBound"/> + 1 waits. Neither kind can starve the other: in-process events are looked at in
/// every wait, OS events at least every <see cref="MaxOsFairnessBound"/> + 1 waits (the counts are per instance and,
/// with several waiting threads, approximate). A turn asks the kernel only if it may have something: the kernel side's
/// readiness ring (an io_uring multishot poll of its epoll, made at the first turn that finds nothing;
/// KernelPoller.Turns.cs gives the argument from the kernel's source) shows each wakeup of the epoll in mapped memory,
/// so a turn with no wakeup since the last kernel wait, which returned nothing, is over without a system call and
/// idle OS descriptors cost none. Where io_uring is refused, each turn is an epoll_wait: one in
/// <see cref="MaxOsFairnessBound"/> + 1 in-process waits.</para>
/// <para><b>Nesting.</b> When a watched instance has a kernel side, its registration in a watcher is a kernel one too:
/// the watcher's kernel epoll holds the watched one's kernel epoll (under a dup of its descriptor per registration, as
/// one instance may be registered under several descriptors), with the registration's own flags and a tag for its data
/// (<see cref="KernelDataWords"/>), so the kernel orders, re-polls, edge-triggers and disarms it among the
/// watcher's OS registrations exactly as it would a nested epoll. The watched instance's in-process readiness reaches
/// the kernel through its signal eventfd: written on every in-process wakeup while a kernel epoll watches it
/// (<c>_kernelWatchers</c>; one edge per wakeup, as Linux's), raised before the kernel polls it for a watcher's ADD
/// or MOD, and taken back once stale, at every depth, before any poll of a kernel side that holds it. A harvest
/// checks each reported registration against the watched instance's own poll, since an eventfd cannot tell a stale
/// signal from a live one. The registration stays an <see cref="EpItem"/> too, so loop and path checks, fdinfo and
/// the close paths are the in-process ones. A kernel side made while an instance is already watched is pushed up to
/// its watchers (<see cref="AdoptKernelWatchers"/>) while it holds nothing, so the moves queue nothing: a move is
/// no wakeup, and a registration that was queued in-process is queued in the kernel by one write after it.</para>
/// <para><b>Threads.</b> One thread at a time blocks in the kernel (<see cref="KernelPoller.TryLead"/>); the others
/// wait in the waiter queue and are woken by in-process events and by the leader leaving. Asynchronous waits are
/// woken through <see cref="KernelWatcher"/>, one process-wide thread.</para>
/// <para>Fields: <c>_kernel</c> and <c>_words</c> are set once (compare-and-swap) and read without locks;
/// <c>_kernelWatchers</c> is interlocked; <c>_inProcessStreak</c>, <c>_osFairnessBound</c> and <c>KernelTurns</c> are racy on purpose
/// (fairness hints: a lost update moves a kernel turn by a few waits, and each is read and written whole);
/// <c>_held</c> and <see cref="EpItem.KernelHeld"/> are written under <c>_mtx</c>.</para>
/// </remarks>
internal sealed partial class Eventpoll
{
    /// <summary>The fewest waits in a row served from in-process events alone after which the next asks the kernel first: the bound while OS events flow.</summary>
    internal const int MinOsFairnessBound = 4;

    /// <summary>The most such waits: the bound once kernel turns keep finding no OS event (tokio's event_interval is 61).</summary>
    internal const int MaxOsFairnessBound = 64;

    private const int CtlAdd = (int)EpollOp.Add, CtlDel = (int)EpollOp.Del, CtlMod = (int)EpollOp.Mod;

    private KernelPoller? _kernel;   // set once by CreateKernel; lock-free reads
    private KernelDataWords? _words; // set with _kernel, before it is published
    private int _kernelWatchers;     // kernel epolls that hold this instance's kernel descriptor; interlocked
    private int _inProcessStreak;    // waits in a row served from in-process events alone; see the remarks
    private int _osFairnessBound = MinOsFairnessBound; // the streak that gives the kernel its turn; see the remarks
    private Dictionary<EpItem, KernelHold>? _held; // under _mtx: the registrations held in the kernel epoll (made once; null read lock-free)

    /// <summary>How this instance's kernel epoll holds a watched instance's registration: its data word and descriptor.</summary>
    private readonly record struct KernelHold(ulong Tag, int Fd);

    /// <summary>
    /// How many events at the front of the latest batch came from the kernel side (the rest are in-process), for the
    /// mixed trace backend, which holds each kind's order against the kernel's. Written by the harvesting thread
    /// without synchronisation: meaningful to a single-threaded caller only.
    /// </summary>
    internal int LastBatchFromKernel;

    /// <summary>
    /// Scans of the in-process ready list as a file poll (every path: <see cref="Poll"/>, the stale-signal retractions
    /// before a kernel wait, a watcher's ADD or MOD), counted for the mixed trace backend: those that dropped items found
    /// not ready, and those that stopped at a ready item. Beside a kernel side Linux's one scan of both kinds may have
    /// stopped elsewhere (docs/trace-format.md, "Polls beside a kernel side"). Unsynchronised and only ever increased,
    /// as above.
    /// </summary>
    internal long PollScansDropping, PollScansStoppedAtReady;

    /// <summary>
    /// The kernel's turns taken (each asked the kernel first or, through its readiness ring, learnt that the kernel has
    /// nothing), for tests and the bench. Racy as the fairness hints are.
    /// </summary>
    internal long KernelTurns;

    /// <summary>The kernel side, once the instance has one.</summary>
    internal KernelPoller? Kernel => Volatile.Read(ref _kernel);

    /// <summary>
    /// epoll_ctl of an OS descriptor (the caller keeps <paramref name="osFd"/> open for the call): the kernel's answer,
    /// 0 or <c>-errno</c>, with the instance's kernel side made first if needed.
    /// </summary>
    internal int CtlOs(int op, int osFd, uint events, ulong data)
    {
        int made = EnsureKernel();
        if (made < 0) return made;
        KernelPoller k = _kernel!;
        KernelDataWords words = _words!;
        // Stryker disable once Logical : with no record kept, the locked path for an unreserved word does what this one does (TagForUser keeps the word, Committed records nothing), under a lock
        if ((op == CtlDel || !KernelDataWords.IsReserved(data)) && !words.HasRecords)
        {
            // The common case: the data word goes to the kernel as it is and no slot is recorded, so nothing to keep.
            // Stryker disable once Conditional : the kernel ignores a DEL's event (Linux 2.6.9 on); the null is the documented form
            int direct = k.Ctl(op, osFd, op == CtlDel ? null : new EpollEvent((EpollEvents)events, data));
            return direct < 0 ? KernelRefused(direct, op) : 0;
        }
        using (words.Enter())
        {
            ulong tag = data;
            if (op != CtlDel)
            {
                int slot = words.TagForUser(data, out tag);
                if (slot < 0) return slot;
            }
            // Stryker disable once Conditional : the kernel ignores a DEL's event (Linux 2.6.9 on); the null is the documented form
            int result = k.Ctl(op, osFd, op == CtlDel ? null : new EpollEvent((EpollEvents)events, tag));
            if (result < 0)
            {
                if (op != CtlDel) words.Free(tag);
                return KernelRefused(result, op);
            }
            words.Committed((EpollOp)op, osFd, tag);
            return 0;
        }
    }

    /// <summary>Passes on the kernel's errno with a sentence saying it was the kernel's answer.</summary>
    private static int KernelRefused(int result, int op) => Failure.Of((Errno)(-result),
        $"the kernel refused EPOLL_CTL_{(EpollOp)op switch { EpollOp.Add => "ADD", EpollOp.Del => "DEL", EpollOp.Mod => "MOD", _ => op.ToString(CultureInfo.InvariantCulture) }} of the OS descriptor");

    /// <summary>Makes the kernel side if there is none and pushes it to the watchers. Called without locks. 0 or <c>-errno</c>.</summary>
    internal int EnsureKernel()
    {
        int made = CreateKernel(out bool created);
        if (!created) return made; // a failure (made < 0) creates nothing
        AdoptKernelWatchers();
        _waiters.WakeAll(); // threads asleep in the waiter queue come back to wait in the kernel
        return 0;
    }

    /// <summary>Makes and publishes the kernel side (syscalls only, no locks taken): 0 or <c>-errno</c>.</summary>
    private int CreateKernel(out bool created)
    {
        created = false;
        if (Volatile.Read(ref _kernel) is not null) return 0;
        int result = KernelPoller.Create(out KernelPoller? made);
        if (result < 0) return result;
        Interlocked.CompareExchange(ref _words, new KernelDataWords(), null);
        if (Interlocked.CompareExchange(ref _kernel, made, null) is not null)
        {
            made!.Close(); // another thread's won
            return 0;
        }
        created = true;
        return 0;
    }

    /// <summary>
    /// Moves every in-process registration of this instance in a watcher into the watcher's kernel side (making it if
    /// needed, and so on up). Called without locks; idempotent. A watcher that cannot make a kernel side (out of
    /// descriptors) keeps the registration in-process and sees only this instance's in-process readiness.
    /// </summary>
    private void AdoptKernelWatchers()
    {
        // Stryker disable once Statement : a fast path: without a watcher the list below is empty and nothing is adopted
        if (Volatile.Read(ref FirstWatcher) is null) return;
        List<EpItem> watchers = [];
        using (LockWatchers())
        {
            for (EpItem? item = FirstWatcher; item is not null; item = item.FileNext) watchers.Add(item);
        }
        // Oldest first, the order they were made in (the list is newest first): a file's kernel wait queue wakes its
        // newest waiter first (add_wait_queue puts each at the head), so a watcher holding this instance under several
        // descriptors then sees them ready in the order the kernel would have woken the original registrations.
        for (int i = watchers.Count - 1; i >= 0; i--) watchers[i].Ep.AdoptKernelWatched(watchers[i]);
    }

    /// <summary>
    /// Moves one in-process registration (of a watched instance that has a kernel side now) into this instance's kernel
    /// side. The move is no wakeup: the kernel registration starts queued only if the in-process one was.
    /// </summary>
    private void AdoptKernelWatched(EpItem item)
    {
        if (item.KernelHeld || EnsureKernel() < 0) return;
        using (EnterMtx())
        {
            if (!item.Removed && !item.KernelHeld) RegisterInKernel(item, moving: true);
        }
    }

    /// <summary>
    /// Registers a watched instance's kernel epoll in this instance's kernel epoll with the item's flags, under a dup of
    /// its descriptor made for the item: the kernel keys registrations by (file, descriptor), so an instance held under
    /// two descriptors here (a dup) must be two registrations there too. Caller holds <c>_mtx</c>; both kernel sides
    /// exist. 0 or <c>-errno</c> (the dup's or the kernel's) with nothing changed.
    /// </summary>
    /// <remarks>
    /// The kernel's ADD polls the watched epoll, which is readable for in-process readiness only while its signal is
    /// pending. A new registration (ADD) must see that readiness, so the signal is raised first if the watched
    /// instance has in-process items queued. A <paramref name="moving"/> registration must not: the kernel would queue
    /// it though Linux had not (an edge-triggered item already consumed, a RDNORM-only one never woken); the watched
    /// instance's kernel side is new then and holds nothing, so the ADD queues nothing, and an item that was queued
    /// in-process is queued in the kernel by one signal write after it.
    /// </remarks>
    private int RegisterInKernel(EpItem item, bool moving)
    {
        // Stryker disable once Statement,String : a removed Debug.Assert (or its message)
        Debug.Assert(_mtx.IsHeldByCurrentThread);
        var watched = (Eventpoll)item.File;
        int fd = LinuxSyscalls.Fcntl(watched._kernel!.Descriptor, LinuxSyscalls.FDupFdCloExec, 0);
        if (fd < 0) return Failure.Of((Errno)(-fd), "no descriptor was left for the watched instance's kernel epoll");
        int slot = _words!.TagForItem(item, out ulong tag);
        if (slot < 0)
        {
            LinuxSyscalls.Close(fd);
            return slot;
        }
        bool wasQueued = Volatile.Read(ref item.Queued) != 0;
        (_held ??= new(ReferenceEqualityComparer.Instance))[item] = new KernelHold(tag, fd);
        Interlocked.Increment(ref watched._kernelWatchers);
        if (!moving) watched.ShowInProcessReadiness();
        // Published before the settings are read, with a full fence: a lock-free MOD that stored new settings re-reads
        // the flag after a full fence and re-syncs the kernel (under _mtx, so after this) if it sees it.
        item.KernelHeld = true;
        Interlocked.MemoryBarrier();
        (uint events, _) = item.ReadSettings();
        int result = _kernel!.Ctl(CtlAdd, fd, new EpollEvent((EpollEvents)events, tag));
        if (result >= 0)
        {
            if (moving && wasQueued) watched._kernel.Pulse();
            return 0;
        }
        ForgetKernelHold(item, watched);
        return KernelRefused(result, CtlAdd);
    }

    /// <summary>Undoes <see cref="RegisterInKernel"/> for an item being removed (caller holds <c>_mtx</c>).</summary>
    private void UnregisterFromKernel(EpItem item)
    {
        // Stryker disable once Statement,Logical : a removed Debug.Assert (or its condition weakened)
        Debug.Assert(_mtx.IsHeldByCurrentThread && item.KernelHeld);
        _kernel!.Ctl(CtlDel, _held![item].Fd, null); // ENOENT only if the kernel dropped it first; nothing to undo
        ForgetKernelHold(item, (Eventpoll)item.File);
    }

    private void ForgetKernelHold(EpItem item, Eventpoll watched)
    {
        _held!.Remove(item, out KernelHold hold);
        item.KernelHeld = false;
        _words!.Free(hold.Tag, locked: false);
        Interlocked.Decrement(ref watched._kernelWatchers);
        LinuxSyscalls.Close(hold.Fd);
    }

    /// <summary>EPOLL_CTL_MOD of a kernel-held item (caller holds <c>_mtx</c>): the kernel takes the item's current settings.</summary>
    private void ModifyInKernel(EpItem item)
    {
        // Stryker disable once Statement,String : a removed Debug.Assert (or its message)
        Debug.Assert(_mtx.IsHeldByCurrentThread);
        if (!item.KernelHeld || item.Removed) return;
        ((Eventpoll)item.File).ShowInProcessReadiness(); // the MOD polls the watched instance, as the ADD does
        KernelHold hold = _held![item];
        (uint events, _) = item.ReadSettings();
        _kernel!.Ctl(CtlMod, hold.Fd, new EpollEvent((EpollEvents)events, hold.Tag));
    }

    /// <summary>
    /// After in-process items were queued or woken (full fence): tells the kernel side. While kernel epolls watch this
    /// instance every wakeup writes the eventfd, since each is a wakeup of this instance for them as in Linux (an
    /// edge-triggered watcher sees one edge per wakeup); otherwise a write only wakes a thread blocked in the kernel,
    /// and one pending write is enough.
    /// </summary>
    private void SignalIfInProcessReady()
    {
        KernelPoller? k = Volatile.Read(ref _kernel);
        if (k is null || !EventsAvailable) return;
        if (Volatile.Read(ref _kernelWatchers) != 0) k.Pulse();
        else if (k.HasLeader) k.Signal();
    }

    /// <summary>
    /// Before the kernel polls this instance for a watcher's ADD or MOD (Linux's poll of the watched instance, which also
    /// drops its queued items found not ready, as this scan does): raises the signal if in-process items are ready, so
    /// the kernel sees them. One pending write is enough here; a new one would be a wakeup Linux does not make.
    /// </summary>
    private void ShowInProcessReadiness()
    {
        RetractWatchedStaleSignals(); // nor may a stale signal below show readiness Linux would not find
        if (PollInProcess() != EpollEvents.None) _kernel!.Signal();
        else if (_kernel is { Signalled: true, HasLeader: false } k) TakeBackSignal(k);
    }

    /// <summary>
    /// After a harvest: a signal left pending for watchers while no in-process item is queued any more is taken back,
    /// so the kernel stops reporting this instance readable (then re-checked, as a wakeup may have raced the drain).
    /// </summary>
    private void RetractStaleSignal(KernelPoller k)
    {
        if (!k.Signalled || k.HasLeader || Volatile.Read(ref _kernelWatchers) == 0 || EventsAvailable) return;
        TakeBackSignal(k);
    }

    /// <summary>
    /// Before a kernel wait: a pending signal announces nothing this thread will harvest and would take one of the
    /// batch's slots, so it is taken back first when no in-process event is ready (unless another thread leads: it may
    /// be that thread's wakeup). Watched or not. So are the stale signals of the watched instances held here: the
    /// kernel's scan would report such an instance readable where Linux's re-poll finds it not ready and goes on to
    /// the next ready item, and the harvest, which drops it, cannot give its slot to that item.
    /// </summary>
    private void RetractSignalBeforeKernelWait(KernelPoller k, bool leading)
    {
        RetractWatchedStaleSignals();
        if (!k.Signalled || (k.HasLeader && !leading) || EventsAvailable) return;
        TakeBackSignal(k);
    }

    /// <summary>
    /// Whether the kernel side has OS readiness, for <see cref="Poll"/> after its in-process scan found nothing: a
    /// pending signal then announces nothing and is taken back first, unless a thread leads (the signal may be its
    /// wakeup or its cancellation, and it consumes the signal itself).
    /// </summary>
    private bool KernelReadable(KernelPoller k)
    {
        if (k.Signalled && !k.HasLeader) TakeBackSignal(k);
        RetractWatchedStaleSignals();
        return k.PollReadable();
    }

    /// <summary>
    /// Before this kernel epoll is polled: stale signals of the watched instances it holds, at every depth, are taken
    /// back (deepest first), since the kernel's poll of them would take a stale signal for readiness where Linux
    /// re-polls their items. Only instances with such registrations pay for it; without a pending signal, no system call.
    /// </summary>
    private void RetractWatchedStaleSignals()
    {
        // Every kernel wait comes here: an instance that never held a watched one takes no lock. The reference is made
        // once and never cleared, so a null read races only with a first hold, which then comes after this retraction.
        // Stryker disable once Statement : a lock-free fast path: the locked check below returns for a null _held as well
        if (Volatile.Read(ref _held) is null) return;
        EpItem[] held;
        using (EnterMtx())
        {
            // Stryker disable once Equality,Statement : _held is not null here (checked above, never cleared), and an empty one makes an empty loop
            if (_held is not { Count: > 0 }) return;
            held = [.. _held.Keys];
        }
        foreach (EpItem item in held) ((Eventpoll)item.File).RetractStaleSignalsDeep();
    }

    /// <summary>This instance's part of <see cref="RetractWatchedStaleSignals"/>: the instances it holds first, then its own signal.</summary>
    private void RetractStaleSignalsDeep()
    {
        RetractWatchedStaleSignals();
        if (Volatile.Read(ref _kernel) is not { Signalled: true, HasLeader: false } k || PollInProcess() != EpollEvents.None) return;
        TakeBackSignal(k);
    }

    /// <summary>
    /// Takes a pending signal back (the eventfd read to 0), then signals again if in-process items were queued
    /// meanwhile: a wakeup that saw the signal pending wrote nothing, so the re-check is what keeps it from being lost.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // two system calls at most: its callers' checks stay inline, it does not
    private void TakeBackSignal(KernelPoller k)
    {
        k.Drain();
        SignalIfInProcessReady();
    }

    /// <summary>
    /// Appends the kernel side's registrations of OS descriptors as the kernel's fdinfo lists them, with their users'
    /// data words (the signal and watched instances are left out: the latter are listed with the in-process items).
    /// </summary>
    private void AppendKernelFdInfo(StringBuilder text)
    {
        if (Volatile.Read(ref _kernel) is not KernelPoller k) return;
        string path = string.Create(CultureInfo.InvariantCulture, $"/proc/self/fdinfo/{k.Descriptor}");
        foreach (string line in File.ReadLines(path))
        {
            if (!line.StartsWith("tfd:", StringComparison.Ordinal)) continue;
            // "tfd: %8d events: %8x data: %16llx  pos:..."; only the data word may need translating.
            int dataAt = line.IndexOf("data:", StringComparison.Ordinal) + "data:".Length;
            int dataEnd = line.IndexOf("  pos:", dataAt, StringComparison.Ordinal);
            ulong word = ulong.Parse(line.AsSpan(dataAt, dataEnd - dataAt).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (KernelDataWords.IsReserved(word))
            {
                if (word == KernelPoller.SignalData || !_words!.TryResolve(word, out ulong data, out EpItem? item) || item is not null) continue;
                text.Append(line.AsSpan(0, dataAt)).Append(CultureInfo.InvariantCulture, $" {data,16:x}").Append(line.AsSpan(dataEnd)).Append('\n');
                continue;
            }
            text.Append(line).Append('\n');
        }
    }

    /// <summary>
    /// Ends the waits that came through <paramref name="handle"/>, which its Dispose has just closed: wakes those queued
    /// on the instance, and the thread blocked in the kernel side, if one is (it re-checks its cancellation and, if the
    /// disposal was not its own, waits again).
    /// </summary>
    internal void EndWaitsThrough(Epoll handle)
    {
        _waiters.WakeWaitsThrough(handle);
        if (Volatile.Read(ref _kernel) is KernelPoller k && k.HasLeader) k.Signal();
    }

    /// <summary>Releases the kernel side with the instance (its registrations were removed first).</summary>
    private void FreeKernel()
    {
        KernelPoller? k = Volatile.Read(ref _kernel);
        if (k is null) return;
        KernelWatcher.Forget(this);
        k.Close();
    }
}

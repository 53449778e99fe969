using System.Diagnostics;

namespace EventPoll;

/// <summary>
/// The ready list of one instance: a wait-free multi-producer queue (after wfcqueue, the structure of Eric
/// Wong's 2013 series) in front of which the single consumer keeps a private list.
/// </summary>
/// <remarks>
/// <para>Producers (wakeup callbacks, from any thread, holding only the woken file's queue lock) call
/// <see cref="TryEnqueue"/>: one compare-and-swap on the item's <c>Queued</c> flag and one exchange on the
/// queue's tail. They never take the instance's interest lock and never wait.</para>
/// <para>The consumer side (everything else) runs under the instance's interest lock. The logical ready
/// list is <c>private list ++ shared queue</c>. A scan pops from the private list after splicing the shared
/// queue onto it; callbacks during the scan land in the (now empty) shared queue; at the end of the scan
/// the leftovers stay in front, the arrivals follow, and level-triggered re-queues go last: the kernel's
/// order (ep_start_scan / ep_done_scan), with no lock per item. Re-queued items go straight to the private
/// list, never through the shared queue (only their own flag is set atomically), which keeps the
/// single-threaded level-triggered loop as cheap as a locked list (the case where wfcqueue regressed).</para>
/// <para>An item removed while queued cannot be unlinked from the shared queue in O(1); it is flagged
/// <c>Removed</c> and dropped when popped. Its watch charge is released at once, and <see cref="Compact"/>
/// bounds the number of such dead entries, so nothing accumulates (the objection to Wong's series). A wakeup
/// can also queue an item just after its removal (an eventfd wakes its sole epoll item without a lock, see
/// <see cref="WaitQueue.WakeSoleWithoutLock"/>). Such an item may be counted as dead while it is not linked yet
/// (its flag set, its link not made), or land uncounted after the removal; either way it is dropped when
/// popped, the count never goes below zero, and a compaction resets it, so the count is a close estimate
/// that only decides when to compact.</para>
/// </remarks>
internal sealed class ReadyList
{
    private readonly EpItem _stub;      // the queue's dummy head node; never a real item
    private EpItem _queueTail;          // producers: Interlocked.Exchange
    private EpItem? _listHead;          // consumer only (volatile reads from EventsAvailable)
    private EpItem? _listTail;          // consumer only
    private int _scanSeq;               // consumer writes; odd while a scan or compaction has items in hand (see MayHaveItems)
    private int _deadCount;             // consumer only: removed items still linked somewhere (those queued after removal uncounted)
    private readonly ShortLock? _gate;     // only in the locked "before" design: guards the queue's tail and splices

    internal ReadyList(Eventpoll owner, bool locked)
    {
        _stub = new EpItem(owner);
        _queueTail = _stub;
        // Stryker disable once Conditional : the locked design (EngineDesign, kept for benchmarks) and the wait-free one hold the same list in the same order
        _gate = locked ? new ShortLock() : null;
    }

    /// <summary>
    /// Whether events may be available (Linux: ep_events_available). Lock-free; a scan in progress counts
    /// as available, so a concurrent zero-timeout wait never misses items a scan holds (selftest epoll65).
    /// </summary>
    /// <remarks>
    /// A seqlock-style read: the consumer makes <c>_scanSeq</c> odd (full fence) before it takes items out of
    /// the list or moves them from the queue, and even (release) after it has put them back. Reading a flag and
    /// then the list is not enough: the flag can be read just before a scan starts and the list just after the
    /// scan popped the item (or the list before a scan and the flag after it ended). So the sequence is read
    /// before and after looking at the list and the queue; if it was odd or changed, a scan overlapped and the
    /// answer is "maybe" (the caller then takes the lock).
    /// </remarks>
    internal bool MayHaveItems
    {
        get
        {
            int seq = Volatile.Read(ref _scanSeq);
            if ((seq & 1) != 0) return true;
            if (Volatile.Read(ref _listHead) is not null || !QueueIsEmpty) return true;
            return Volatile.Read(ref _scanSeq) != seq;
        }
    }

    private bool QueueIsEmpty => Volatile.Read(ref _stub.NextReady) is null && Volatile.Read(ref _queueTail) == _stub;

    /// <summary>Producer: queues <paramref name="item"/> at the tail unless it is already queued. Wait-free.</summary>
    internal bool TryEnqueue(EpItem item)
    {
        if (_gate is not null) return TryEnqueueLocked(item);
        if (Volatile.Read(ref item.Queued) != 0 || Interlocked.CompareExchange(ref item.Queued, 1, 0) != 0) return false;
        item.NextReady = null;
        EpItem prev = Interlocked.Exchange(ref _queueTail, item);
        Volatile.Write(ref prev.NextReady, item);
        return true;
    }

    /// <summary>
    /// The locked "before" design's lock (Linux before the wfcqueue series: ep->lock), or null in the product
    /// design. Wakeup callbacks hold it for their whole body (<see cref="Eventpoll.OnItemWake"/>).
    /// </summary>
    internal ShortLock? Gate => _gate;

    /// <summary>The locked "before" design's enqueue: the same list, appended under a lock (<see cref="EngineDesign"/>).</summary>
    private bool TryEnqueueLocked(EpItem item)
    {
        using (_gate!.EnterScope()) return TryEnqueueUnderGate(item);
    }

    /// <summary><see cref="TryEnqueueLocked"/> for a caller that already holds <see cref="Gate"/>.</summary>
    internal bool TryEnqueueUnderGate(EpItem item)
    {
        // Stryker disable once Statement,Logical,Equality : a removed or altered Debug.Assert
        Debug.Assert(_gate is not null && _gate.IsHeldByCurrentThread);
        if (Interlocked.CompareExchange(ref item.Queued, 1, 0) != 0) return false;
        item.NextReady = null;
        Volatile.Write(ref _queueTail.NextReady, item);
        Volatile.Write(ref _queueTail, item);
        return true;
    }

    /// <summary>Consumer: starts a scan; the shared queue's contents join the private list.</summary>
    internal void StartScan()
    {
        // Stryker disable once Statement : a removed Debug.Assert
        Debug.Assert((_scanSeq & 1) == 0);
        Interlocked.Increment(ref _scanSeq); // full fence: odd before any item leaves the list or the queue
        SpliceQueueIntoList();
    }

    /// <summary>Consumer: the next item of the scan, or null. Dead items are dropped here.</summary>
    internal EpItem? Pop()
    {
        while (_listHead is EpItem item)
        {
            if (item == _listTail)
            {
                Volatile.Write(ref _listHead, null);
                _listTail = null;
            }
            else
            {
                Volatile.Write(ref _listHead, SyncNext(item));
            }
            item.NextReady = null;
            if (!item.Removed) return item;
            if (_deadCount > 0) _deadCount--;
        }
        return null;
    }

    /// <summary>Consumer: puts a popped item back at the front (it stays where it was).</summary>
    internal void PushFront(EpItem item)
    {
        // Stryker disable once Statement : a removed Debug.Assert
        Debug.Assert(item.Queued == 1);
        item.NextReady = _listHead;
        _listTail ??= item;
        Volatile.Write(ref _listHead, item);
    }

    /// <summary>
    /// Consumer: ends a scan. Leftovers keep the front, arrivals during the scan follow, then
    /// the chain <paramref name="requeuedHead"/>..<paramref name="requeuedTail"/> (level-triggered items
    /// re-queued by the scan, in delivery order).
    /// </summary>
    internal void DoneScan(EpItem? requeuedHead, EpItem? requeuedTail)
    {
        SpliceQueueIntoList();
        if (requeuedHead is not null)
        {
            // Stryker disable once Statement,Logical,Equality : a removed or altered Debug.Assert
            Debug.Assert(requeuedTail is not null && requeuedTail.NextReady is null);
            if (_listTail is null) Volatile.Write(ref _listHead, requeuedHead); else _listTail.NextReady = requeuedHead;
            _listTail = requeuedTail;
        }
        Volatile.Write(ref _scanSeq, _scanSeq + 1); // release: the list is complete before the sequence is even
    }

    /// <summary>Consumer: notes that a queued item was removed; compacts when dead entries pile up.</summary>
    internal void OnQueuedItemRemoved(int liveItems)
    {
        if (++_deadCount > 64 && _deadCount > liveItems) Compact();
    }

    /// <summary>Consumer: drops every removed item from the ready structures.</summary>
    internal void Compact()
    {
        bool bracket = (_scanSeq & 1) == 0; // outside a scan, compaction also has items in hand (MayHaveItems)
        if (bracket) Interlocked.Increment(ref _scanSeq);
        SpliceQueueIntoList();
        EpItem? head = null, tail = null;
        while (_listHead is not null)
        {
            EpItem? item = Pop(); // drops dead items and counts them down
            if (item is null) break;
            if (tail is null) head = item; else tail.NextReady = item;
            tail = item;
        }
        Volatile.Write(ref _listHead, head);
        _listTail = tail;
        if (bracket) Volatile.Write(ref _scanSeq, _scanSeq + 1);
        _deadCount = 0; // every linked dead item is gone; one still being queued by a late wakeup lands uncounted
    }

    /// <summary>Consumer: number of removed items still linked (for tests).</summary>
    internal int DeadCount => _deadCount;

    /// <summary>Moves the whole shared queue to the end of the private list (wfcqueue splice).</summary>
    private void SpliceQueueIntoList()
    {
        if (QueueIsEmpty) return;
        _gate?.Enter();
        try
        {
            SpliceQueueIntoListCore();
        }
        finally
        {
            _gate?.Exit();
        }
    }

    private void SpliceQueueIntoListCore()
    {
        EpItem first = SyncNext(_stub);
        _stub.NextReady = null;
        EpItem last = Interlocked.Exchange(ref _queueTail, _stub);
        // Links between first and last may still be in flight; Pop waits for each (SyncNext).
        if (_listTail is null) Volatile.Write(ref _listHead, first); else _listTail.NextReady = first;
        _listTail = last;
    }

    /// <summary>
    /// Reads a node's successor, waiting out the instant between a producer's tail exchange and its link
    /// store (the only wait in the structure, and only on the consumer side: wfcqueue's node_sync_next). Past a
    /// brief spin the producer was preempted in between, so this sleeps until it has run (wfcqueue polls too).
    /// </summary>
    private static EpItem SyncNext(EpItem node)
    {
        EpItem? next;
        // Stryker disable once Statement : the pause between reads of a link in flight is a performance choice; the loop waits for the link either way
        for (int round = 0; (next = Volatile.Read(ref node.NextReady)) is null; round++) BriefSpin.PauseOrSleep(round);
        return next;
    }
}

namespace EventPoll.Interop;

/// <summary>
/// The kernel's fairness turn without a system call (issue 14): a <see cref="ReadinessRing"/> tells when the kernel epoll
/// has nothing, so a turn that would have found nothing makes no epoll_wait.
/// </summary>
/// <remarks>
/// <para><b>Why a quiet ring means an empty epoll</b> (fs/eventpoll.c, io_uring/poll.c). epoll_wait reports what is on
/// the epoll's ready list (rdllist). An item gets there by ep_poll_callback (a wakeup of its file; during a scan it is
/// chained on ovflist and spliced in at the scan's end), by ep_insert or ep_modify finding it ready, or by the scan
/// itself putting back a level-triggered item it reported (and the items it had no room for). The first two wake the
/// epoll's poll wait queue whenever it has a waiter (ep_poll_callback's <c>waitqueue_active(&amp;ep-&gt;poll_wait)</c>,
/// taken for every callback that passes the item's event mask, on rdllist or ovflist alike; ep_insert and ep_modify
/// likewise: on Linux 6.18 an ADD or MOD of a ready descriptor posts a completion), and the ring's multishot poll is such
/// a waiter: io_poll_wake takes epoll's key (EPOLLIN) and queues task work that posts a completion with that mask; only
/// when several wakeups were coalesced before it ran does it poll the epoll again and post nothing if that poll finds
/// it not ready, when an epoll_wait would have found nothing either (ep_eventpoll_poll drops the items it finds not
/// ready). A wakeup that comes from an io_uring (EPOLL_URING_WAKE: an io_uring or its eventfd registered here) turns the
/// poll one-shot, so it ends and is armed again. So after a scan that returned nothing, the
/// list can hold an item again only through a wakeup, and each wakeup after the completions were consumed posts a new
/// one. A scan that returned events may have left items on the list without any wakeup (level-triggered ones, a full
/// batch): then <c>_mayHaveReady</c> makes the next turn ask. Nested epolls are items like any other: a watched epoll's
/// own callback wakes its poll wait queue, whose waiter is this epoll's ep_poll_callback. Hence a turn may skip the
/// kernel when the poll is armed, no completion of it arrived since the last consumption and the last scan returned
/// nothing; the order that makes it race-free is consume, clear <c>_mayHaveReady</c>, then scan (so a wakeup after the
/// scan began posts a completion that is not consumed), and arm only after a scan that returned nothing (the arm polls
/// the epoll, so readiness between that scan and the arm posts a completion too).</para>
/// <para><b>When a completion arrives.</b> It is posted by task work of the thread that armed the poll, which runs when
/// that thread next returns to user space (an interprocessor interrupt brings it back if it runs, a wakeup if it sleeps
/// interruptibly). For a wakeup made by the arming thread itself (its write, its epoll_ctl) that is before the call that
/// made it returns; from another CPU, later (tens of microseconds on the loaded 2-core VM this was measured on,
/// milliseconds when the arming thread waits for a CPU). So a turn trusts the ring only on the thread that armed
/// it, and the ring moves to another thread after two quiet turns in a row there (a thread that exits takes its poll with
/// it: io_poll_check_events ends the poll with -ECANCELED once woken, from a kernel worker a jiffy or more later). With
/// the ring, an OS event is reported within the fairness bound of waits
/// from the moment its completion lands.</para>
/// <para><b>Lazily and only where it pays.</b> The ring is made at the first turn that found nothing, so instances with
/// only OS or only in-process sources never make one, and it is re-armed only at such a turn: a poll ended by a full
/// completion ring while OS events flow (turns ask the kernel then anyway) stays ended, and costs no task work.</para>
/// <para><b>Fallback.</b> If io_uring is refused (ENOSYS, EPERM from seccomp or io_uring_disabled, ENOMEM, no multishot
/// poll before Linux 5.13), turns ask the kernel as before; <see cref="RingRefused"/> says why (ENOSYS, EPERM and
/// EOPNOTSUPP for every later instance of the process too).</para>
/// <para>Fields: <c>_ring</c> is set once, under <c>_ringGate</c>, and used only under it (a compare-and-swap; a thread
/// that finds it taken asks the kernel); <c>_mayHaveReady</c> is racy on purpose: it is cleared only before a scan and set
/// only after one that returned events, and scans are serialised by the kernel (ep-&gt;mtx), so a set made by a later scan
/// is never undone by an earlier clear; <c>_lastQuietTurnThread</c> and the counters are hints, read and written whole.</para>
/// </remarks>
internal sealed partial class KernelPoller
{
    private const int Enosys = 38;

    private static int s_ringRefused; // an errno that refuses rings to the whole process (ENOSYS, EPERM, EOPNOTSUPP); racy: a lost store costs one try

    private ReadinessRing? _ring;      // see the remarks
    private int _ringGate;             // 1 while a thread uses _ring; interlocked
    private int _ringRefused;          // the errno that ended this poller's ring, 0 while it may have one
    private bool _mayHaveReady;        // see the remarks; false before the first scan: no scan has left items ready yet
    private int _lastQuietTurnThread;  // the managed thread of the latest turn that found nothing
    private long _quietTurns;          // turns served by the ring, without a system call
    private long _refusedRingCalls;    // system calls of ring creations that failed

    /// <summary>Why this poller's turns ask the kernel each time: the errno io_uring was refused with, or 0.</summary>
    internal Errno RingRefused => (Errno)(Volatile.Read(ref _ringRefused) is not 0 and int own ? own : Volatile.Read(ref s_ringRefused));

    /// <summary>Whether a ring's poll is in force (for tests and the bench).</summary>
    internal bool RingArmed => Volatile.Read(ref _ring) is { Armed: true };

    /// <summary>Kernel's turns served by the ring, without a system call.</summary>
    internal long QuietTurns => Volatile.Read(ref _quietTurns);

    /// <summary>System calls made for the ring: its creation (tried or made), its arming.</summary>
    internal long RingSystemCalls => Volatile.Read(ref _refusedRingCalls) + (Volatile.Read(ref _ring)?.SystemCalls ?? 0);

    /// <summary>
    /// At the kernel's fairness turn: true when the kernel epoll is known to have nothing ready, so the turn is over
    /// without a system call. False when the caller must ask the kernel, which it does next: the ring's completions were
    /// consumed and <c>_mayHaveReady</c> cleared first (see the remarks).
    /// </summary>
    internal bool TurnFindsNothing()
    {
        bool quiet = false;
        if (Volatile.Read(ref _ring) is ReadinessRing ring && Interlocked.CompareExchange(ref _ringGate, 1, 0) == 0)
        {
            quiet = !Volatile.Read(ref _mayHaveReady) && ring.ArmedBy == Environment.CurrentManagedThreadId && ring.Quiet();
            if (!quiet) ring.Consume();
            Volatile.Write(ref _ringGate, 0);
        }
        if (quiet)
        {
            _quietTurns++;
            return true;
        }
        Volatile.Write(ref _mayHaveReady, false);
        return false;
    }

    /// <summary>After a scan that returned <paramref name="count"/> events: whether it may have left items ready.</summary>
    internal void ScanReturned(int count)
    {
        if (count != 0 && !_mayHaveReady) Volatile.Write(ref _mayHaveReady, true);
    }

    /// <summary>
    /// After a kernel's turn whose epoll_wait returned nothing: makes and arms the ring, re-arms it if its poll ended, or
    /// moves it to this thread at its second quiet turn in a row, so the next turns need no system call.
    /// </summary>
    internal void QuietTurnScanned()
    {
        int me = Environment.CurrentManagedThreadId;
        int previous = _lastQuietTurnThread;
        _lastQuietTurnThread = me;
        if (RingRefused != 0) return;
        if (Volatile.Read(ref _ring) is { Armed: true } armed && (armed.ArmedBy == me || previous != me)) return;
        if (Interlocked.CompareExchange(ref _ringGate, 1, 0) != 0) return;
        try
        {
            ReadinessRing? ring = _ring;
            if (ring is null)
            {
                int made = ReadinessRing.Create(out ring);
                if (made < 0)
                {
                    Refuse(-made, madeCalls: 1);
                    return;
                }
                Volatile.Write(ref _ring, ring);
            }
            if (ring!.Failed == 0) ring.Arm(_epfd);
            if (ring.Failed != 0) Refuse(ring.Failed, madeCalls: 0);
        }
        finally
        {
            Volatile.Write(ref _ringGate, 0);
        }
    }

    /// <summary>
    /// Refuses this poller a ring as a failed io_uring_setup would, before its first turn (tests: the fallback path).
    /// Only an errno that refuses one instance, not the whole process.
    /// </summary>
    internal void RefuseRing(Errno why)
    {
        if (why is Errno.EPERM or Errno.EOPNOTSUPP or (Errno)Enosys) throw new ArgumentException("an errno that would refuse every instance of the process", nameof(why));
        Refuse((int)why, madeCalls: 0);
    }

    /// <summary>Forgets a refusal of every instance of the process (tests: after one they made, with no other test running).</summary>
    internal static void ForgetProcessRefusal() => Volatile.Write(ref s_ringRefused, 0);

    private void Refuse(int errno, int madeCalls)
    {
        _refusedRingCalls += madeCalls;
        Volatile.Write(ref _ringRefused, errno);
        if (errno is (int)Errno.EPERM or (int)Errno.EOPNOTSUPP or Enosys) Volatile.Write(ref s_ringRefused, errno);
    }

    /// <summary>Closes the ring, if one was made (before the epoll it polls: see <see cref="Close"/>).</summary>
    private void CloseRing() => Volatile.Read(ref _ring)?.Close();
}

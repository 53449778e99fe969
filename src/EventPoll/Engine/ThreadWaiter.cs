using System.Diagnostics;

namespace EventPoll;

/// <summary>A synchronous waiter: one per thread, reused across waits.</summary>
/// <remarks>
/// <para>It sleeps on a futex word (<see cref="Futex"/>), not on a <see cref="ManualResetEventSlim"/>. On one
/// processor (a container limited to one CPU included) that type spins once before it sleeps, and there a spin is a
/// sched_yield, which costs the waiter its place in the fair share (see <see cref="BriefSpin"/>); its wakeup also
/// runs under a mutex that the woken thread then needs. eponeshotmt pinned to one processor made 2,000 waits/s with
/// it; with this type and <see cref="ShortLock"/> parking on futexes, 123,000-127,000 (3 runs), against the
/// kernel's 119,000 in the same runs.</para>
/// <para>Before it sleeps it spins up to <see cref="BriefSpin.WaitRounds"/> (about 20 us), longer than a lock does:
/// a wait is usually ended by a producer that is running, and a futex sleep and wakeup cost two context switches;
/// on one processor it does not spin, since the producer cannot run until it stops. Per 200,000 waits of
/// eponeshotmt on two processors, the old <see cref="ManualResetEventSlim"/> waiter slept 1,800-5,900 times (its
/// slower way into its sleep acted as a longer spin); this one with the locks' 1-2 us spin slept 6,000-30,000 times
/// and lost a quarter of the rate; with 20 rounds it slept 400-1,800 times and the median rose from the old code's
/// 0.82M to 1.28M waits/s (5 interleaved pairs, one run).</para>
/// <para>The budget adapts per thread, as glibc's adaptive mutex does: a wait that lasts longer than a spin could
/// cover (50 us) shrinks the next spin by two rounds, down to a lock's six, and a short one restores the full
/// budget. A thread whose events come far apart then stops paying for spins that never pay: an event loop woken
/// every 60-1,000 us used 31-32 us of CPU per wait with the fixed 20 rounds, 11 us with this (the old
/// <see cref="ManualResetEventSlim"/> waiter: 13-15 us). eponeshotmt did not lose by it (8 interleaved pairs:
/// median 1.04M against 0.86M waits/s).</para>
/// </remarks>
internal sealed unsafe class ThreadWaiter : Waiter
{
    private const int Idle = 0, Signalled = 1, Kicked = 2; // Kicked: cancellation asked the sleeper to look

    // A wait that ends within this (a full spin, ~20 us, plus a futex wakeup's latency on this VM) was one a spin
    // catches or nearly catches; a longer one was not worth spinning for.
    internal static readonly TimeSpan ShortWait = TimeSpan.FromMicroseconds(50);

    [ThreadStatic] private static ThreadWaiter? t_current;

    private readonly int[] _wordHolder = Futex.AllocateWord(); // pinned, so _word stays valid for the waiter's life
    private readonly int* _word;
    private int _sleeping; // 1 while Block may sleep; set with a full fence before Block re-reads the word
    private int _spinRounds = BriefSpin.WaitRounds; // this thread's only: its next spin budget, see Block

    private ThreadWaiter() => _word = Futex.AddressOf(_wordHolder);

    internal static ThreadWaiter Current => t_current ??= new ThreadWaiter();

    /// <summary>Whether <see cref="Block"/> has spun and may sleep: past its caller's last look for events (for tests).</summary>
    internal bool IsSleeping => Volatile.Read(ref _sleeping) != 0;

    /// <summary>Pause rounds the next <see cref="Block"/> spins before it sleeps (for tests).</summary>
    internal int SpinBudget => _spinRounds;

    internal void Reset() => Volatile.Write(ref *_word, Idle);

    // Dekker's pattern with Block: the word is set with a full fence before _sleeping is read, and Block publishes
    // _sleeping with a full fence before the futex re-checks the word, so one side always sees the other.
    internal override void Signal()
    {
        Interlocked.Exchange(ref *_word, Signalled);
        if (Volatile.Read(ref _sleeping) != 0) Futex.Wake(_word);
    }

    /// <summary>Blocks until signalled, the deadline passes, or cancellation; returns whether it was signalled.</summary>
    internal bool Block(Deadline deadline, WaitCancellation cancellation)
    {
        // Spin while spinning pays (see the remarks): a short wait restores the full budget, a longer one shrinks the
        // next spin by two rounds, down to a lock's.
        long start = Stopwatch.GetTimestamp();
        int budget = _spinRounds;
        // Stryker disable once Equality,Statement : the spin only decides how soon Sleep runs; Sleep reads the word again before it sleeps (a performance choice)
        for (int round = 0; round < budget && Volatile.Read(ref *_word) != Signalled; round++) BriefSpin.Pause(round);
        if (Volatile.Read(ref *_word) == Signalled)
        {
            _spinRounds = BriefSpin.WaitRounds;
            return true;
        }
        bool signalled = Sleep(deadline, cancellation);
        // Stryker disable once Equality : < moves the tuning threshold by one 100-ns TimeSpan tick; no result depends on the spin budget
        _spinRounds = Stopwatch.GetElapsedTime(start) <= ShortWait ? BriefSpin.WaitRounds : Math.Max(BriefSpin.Rounds, budget - 2);
        return signalled;
    }

    private bool Sleep(Deadline deadline, WaitCancellation cancellation)
    {
        using CancellationTokenRegistration registration = cancellation.Register(static state => ((ThreadWaiter)state!).Kick(), this);
        Interlocked.Exchange(ref _sleeping, 1);
        try
        {
            while (true)
            {
                int word = Volatile.Read(ref *_word);
                if (word == Signalled) return true;
                int remainingMs = deadline.RemainingMs();
                if (remainingMs == 0 || cancellation.IsCancellationRequested) return false;
                Futex.Wait(_word, word, remainingMs);
            }
        }
        finally
        {
            Volatile.Write(ref _sleeping, 0);
        }
    }

    private void Kick()
    {
        Interlocked.CompareExchange(ref *_word, Kicked, Idle);
        Futex.Wake(_word);
    }
}

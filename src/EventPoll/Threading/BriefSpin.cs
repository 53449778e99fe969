namespace EventPoll;

/// <summary>
/// The engine's busy-waiting before a thread sleeps: rounds of the processor's pause instruction, doubling from
/// one unit (~30-45 ns here) to 32 and staying there. A contended lock spins 6 rounds (about 1-2 us): long enough
/// for a holder that is running to leave; past that it is probably preempted, and sleeping (a futex) is cheaper
/// than spinning through its time slice. A blocked wait spins up to 20 rounds, fewer while its waits run long
/// (see <see cref="ThreadWaiter"/>). On one processor nothing spins: the thread that would end the spin cannot
/// run until the spinner stops.
/// </summary>
/// <remarks>
/// No round yields the processor (<see cref="SpinWait.SpinOnce()"/> and <see cref="ManualResetEventSlim"/>'s
/// spinning call sched_yield after ~10 spins). Under Linux's EEVDF scheduler a yield moves the thread's virtual
/// deadline a whole slice later, so a thread that yields whenever it contends gets less and less of the CPU
/// while threads that never yield get more. Measured on eponeshotmt (4 waiters, 4 writers, 2 cores): with
/// yielding locks the waiters ran 17% of the time and sat runnable 84% of it; with this policy they ran about
/// a third of the time, and the median waits per second of a standalone run rose from 232k (6 runs) to 500k
/// (12 runs). A sleeping thread keeps its place in the fair share, so contended threads spin briefly and then
/// sleep, never yield. Users: <see cref="ShortLock"/>, <see cref="ThreadWaiter"/>, the ready queue's wait for
/// a preempted producer's link, and an item's settings lock. One yielding spin is left: f_lock is a
/// <see cref="SpinLock"/> whose sections are a few stores, contended only when two instances attach to or detach
/// from the same file at the same moment.
/// <para>Tried and not kept (issue 17): no spin at all, in locks and waits, while the machine's runnable threads
/// outnumbered its processors (nr_running from /proc/loadavg, read every 2 ms). On eponeshotmt (8 threads, 2 cores;
/// 4 interleaved pairs of <c>bench oneshot</c>) EventPoll made 570-580k waits/s against 585-640k with this policy when
/// the machine was in its fast state, and 215k against 224k in its slow one: no gain; only the locked-list baseline,
/// which shares these locks, lost a third.</para>
/// </remarks>
internal static class BriefSpin
{
    /// <summary>Number of pause rounds (about 1-2 us in all) before a contended lock's caller should sleep.</summary>
    internal static readonly int Rounds = LockRoundsOn(Environment.ProcessorCount);

    /// <summary>
    /// Most pause rounds (about 15-25 us in all) before a thread blocked in a wait sleeps: see
    /// <see cref="ThreadWaiter"/> for why it spins longer than a lock.
    /// </summary>
    internal static readonly int WaitRounds = WaitRoundsOn(Environment.ProcessorCount);

    // Read once into the fields above (the JIT treats a static readonly as a constant in optimised code); functions
    // of the count so that the one-processor policy can be checked on a machine with more.

    /// <summary><see cref="Rounds"/> on a machine with <paramref name="processors"/> processors.</summary>
    internal static int LockRoundsOn(int processors) => CanSpinOn(processors) ? 6 : 0;

    /// <summary><see cref="WaitRounds"/> on a machine with <paramref name="processors"/> processors.</summary>
    internal static int WaitRoundsOn(int processors) => CanSpinOn(processors) ? 20 : 0;

    // On one processor nothing can change what a spinning thread waits for until it stops running, so it sleeps
    // at once.
    private static bool CanSpinOn(int processors) => processors > 1;

    /// <summary>Round <paramref name="round"/> of pausing: 2^round pause units, at most 32.</summary>
    // Stryker disable once Bitwise : timing only: 1 >> round pauses one unit, then none; no caller's result depends on how long it pauses
    internal static void Pause(int round) => Thread.SpinWait(1 << Math.Min(round, 5));

    /// <summary>
    /// For waits with nothing to park on (a flag another thread clears in a few instructions): round
    /// <paramref name="round"/> pauses while under <see cref="Rounds"/>, then sleeps a millisecond, since the
    /// thread that will clear the flag was preempted and needs the processor.
    /// </summary>
    // Stryker disable once Block,Equality,Boolean,Statement : timing only: pausing where it would sleep, sleeping where it would pause, or neither; every caller re-checks its flag in a loop
    internal static void PauseOrSleep(int round)
    {
        if (round < Rounds) Pause(round); else Thread.Sleep(1);
    }
}

namespace EventPoll;

/// <summary>
/// The engine's busy-waiting before a thread sleeps: rounds of the processor's pause instruction, doubling from
/// one unit (~30-45 ns here) to 32, about 1-2 us in all. Long enough for a lock held by a running thread to come
/// free or a wakeup in flight to land; past that the holder or producer is probably not running, and sleeping
/// (a futex) is cheaper than spinning through its time slice.
/// </summary>
/// <remarks>
/// No round yields the processor (<see cref="SpinWait.SpinOnce()"/> and <see cref="ManualResetEventSlim"/>'s
/// spinning call sched_yield after ~10 spins). Under Linux's EEVDF scheduler a yield moves the thread's virtual
/// deadline a whole slice later, so a thread that yields whenever it contends gets less and less of the CPU
/// while threads that never yield get more. Measured on eponeshotmt (4 waiters, 4 writers, 2 cores): with
/// yielding locks the waiters ran 17% of the time and sat runnable 84% of it; with this policy they ran about
/// a third of the time, and the median waits per second of a standalone run rose from 232k (6 runs) to 500k
/// (12 runs). A sleeping thread keeps its place in the fair share, so contended threads spin briefly and then
/// sleep, never yield. Users: <see cref="ShortLock"/>, the blocking wait of a thread, the ready queue's wait for
/// a preempted producer's link, and an item's settings lock. One yielding spin is left: f_lock is a
/// <see cref="SpinLock"/> whose sections are a few stores, contended only when two instances attach to or detach
/// from the same file at the same moment.
/// </remarks>
internal static class BriefSpin
{
    /// <summary>Number of pause rounds before the caller should sleep.</summary>
    internal const int Rounds = 6;

    /// <summary>Round <paramref name="round"/> (0 to <see cref="Rounds"/> - 1) of pausing: 2^round pause units.</summary>
    internal static void Pause(int round) => Thread.SpinWait(1 << round);

    /// <summary>
    /// For waits with nothing to park on (a flag another thread clears in a few instructions): round
    /// <paramref name="round"/> pauses while under <see cref="Rounds"/>, then sleeps a millisecond, since the
    /// thread that will clear the flag was preempted and needs the processor.
    /// </summary>
    internal static void PauseOrSleep(int round)
    {
        if (round < Rounds) Pause(round); else Thread.Sleep(1);
    }
}

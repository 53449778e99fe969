using System.Runtime.InteropServices;

namespace EventPoll;

/// <summary>
/// Sleeping on a 32-bit word until another thread wakes it (Linux: futex(2), FUTEX_WAIT_PRIVATE and
/// FUTEX_WAKE_PRIVATE). Wait sleeps only if the word still holds the expected value, checked atomically with
/// going to sleep, so a waker that changes the word and then wakes can never be missed. Spurious returns are
/// allowed: callers re-check their word in a loop. Words must be in memory the GC never moves (see
/// <see cref="AllocateWord"/>).
/// </summary>
/// <remarks>
/// Why not a monitor or <see cref="ManualResetEventSlim"/>: every .NET sleeping primitive on Unix parks on a
/// pthread condition variable and signals it while holding the condition's mutex. The thread it wakes
/// preempts the waker there (the scheduler favours a woken thread), finds the mutex still held and sleeps again,
/// so each wakeup costs two round trips through the scheduler; on one processor this paced eponeshotmt at 17,000
/// waits/s. A futex wake holds no lock. Other systems fall back to <see cref="MonitorFutex"/>, which keeps the
/// same contract.
/// </remarks>
internal static unsafe partial class Futex
{
    private const int WaitPrivate = 128, WakePrivate = 129; // FUTEX_WAIT | FUTEX_PRIVATE_FLAG, FUTEX_WAKE | ...

    // futex(2)'s number on this architecture; null where it is not known here, which then uses the fallback.
    private static readonly long? s_sysFutex = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        // Stryker disable once Logical : `and` only empties the arm of architectures the tests do not run on (x64 matches the arm above)
        Architecture.Arm64 or Architecture.RiscV64 or Architecture.LoongArch64 => 98,
        _ => null,
    };

    // Stryker disable once Logical : || differs from && only off Linux, where the tests do not run (on Linux both are true)
    private static readonly bool s_native = OperatingSystem.IsLinux() && s_sysFutex is not null;

    /// <summary>A zeroed word that never moves (on the pinned object heap); keep the array alive while in use.</summary>
    internal static int[] AllocateWord() => AllocateWords(1);

    /// <summary><paramref name="count"/> zeroed words that never move (on the pinned object heap).</summary>
    internal static int[] AllocateWords(int count) => GC.AllocateArray<int>(count, pinned: true);

    /// <summary>The address of a word from <see cref="AllocateWord"/>.</summary>
    internal static int* AddressOf(int[] word) => (int*)Marshal.UnsafeAddrOfPinnedArrayElement(word, 0);

    /// <summary>
    /// Sleeps while <c>*word == expected</c>, until woken, <paramref name="timeoutMs"/> passes (negative: no
    /// limit) or a spurious wakeup; returns at once if the word differs.
    /// </summary>
    internal static void Wait(int* word, int expected, int timeoutMs)
    {
        if (s_native) SyscallWait(word, expected, timeoutMs);
        else
            // Stryker disable once Statement : unreachable on Linux, where the tests run; MonitorFutexTests check the fallback itself
            MonitorFutex.Wait(word, expected, timeoutMs);
    }

    /// <summary>
    /// Wakes every thread sleeping on <paramref name="word"/> (a <see cref="ParkingLot"/> word may have several).
    /// </summary>
    internal static void Wake(int* word)
    {
        if (s_native) Syscall(s_sysFutex.GetValueOrDefault(), word, WakePrivate, int.MaxValue, null);
        else
            // Stryker disable once Statement : unreachable on Linux, where the tests run; MonitorFutexTests check the fallback itself
            MonitorFutex.Wake(word);
    }

    private static void SyscallWait(int* word, int expected, int timeoutMs)
    {
        var timeout = new TimeSpec { Seconds = timeoutMs / 1000, Nanoseconds = timeoutMs % 1000 * 1_000_000L };
        Syscall(s_sysFutex.GetValueOrDefault(), word, WaitPrivate, expected, timeoutMs < 0 ? null : &timeout);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    // syscall(2) is variadic in C; on the 64-bit Linux ABIs its integer arguments travel as in a plain call.
    [LibraryImport("libc", EntryPoint = "syscall")]
    private static partial long Syscall(long number, int* word, int op, int value, TimeSpec* timeout);
}

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
/// waits/s. A futex wake holds no lock. Other systems fall back to monitors striped by address, which keep the
/// same contract.
/// </remarks>
internal static unsafe partial class Futex
{
    private const int WaitPrivate = 128, WakePrivate = 129; // FUTEX_WAIT | FUTEX_PRIVATE_FLAG, FUTEX_WAKE | ...

    private static readonly long s_sysFutex = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        Architecture.Arm64 or Architecture.RiscV64 or Architecture.LoongArch64 => 98,
        _ => -1,
    };

    private static readonly bool s_native = OperatingSystem.IsLinux() && s_sysFutex >= 0;

    private static readonly object[] s_stripes = [.. Enumerable.Range(0, 64).Select(_ => new object())];

    /// <summary>A zeroed word that never moves (on the pinned object heap); keep the array alive while in use.</summary>
    internal static int[] AllocateWord() => GC.AllocateArray<int>(1, pinned: true);

    /// <summary>The address of a word from <see cref="AllocateWord"/>.</summary>
    internal static int* AddressOf(int[] word) => (int*)Marshal.UnsafeAddrOfPinnedArrayElement(word, 0);

    /// <summary>
    /// Sleeps while <c>*word == expected</c>, until woken, <paramref name="timeoutMs"/> passes (negative: no
    /// limit) or a spurious wakeup; returns at once if the word differs.
    /// </summary>
    internal static void Wait(int* word, int expected, int timeoutMs)
    {
        if (s_native)
        {
            var timeout = new TimeSpec { Seconds = timeoutMs / 1000, Nanoseconds = timeoutMs % 1000 * 1_000_000L };
            Syscall(s_sysFutex, word, WaitPrivate, expected, timeoutMs < 0 ? null : &timeout);
            return;
        }
        object stripe = StripeOf(word);
        lock (stripe)
        {
            if (Volatile.Read(ref *word) == expected) Monitor.Wait(stripe, timeoutMs);
        }
    }

    /// <summary>
    /// Wakes every thread sleeping on <paramref name="word"/> (a <see cref="ParkingLot"/> word may have several).
    /// </summary>
    internal static void Wake(int* word)
    {
        if (s_native)
        {
            Syscall(s_sysFutex, word, WakePrivate, int.MaxValue, null);
            return;
        }
        object stripe = StripeOf(word);
        lock (stripe) Monitor.PulseAll(stripe);
    }

    private static object StripeOf(int* word) => s_stripes[(int)(((nuint)word >> 2) % (nuint)s_stripes.Length)];

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

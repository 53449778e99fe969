namespace EventPoll;

/// <summary>
/// <see cref="Futex"/>'s fallback where futex(2) is not available: the same contract (sleep only while the word
/// holds the expected value, checked atomically with going to sleep; wake every sleeper on a word) built from
/// monitors. A word maps to one of a fixed set of monitors by its address; words that share a monitor only cause
/// spurious wakeups, which the contract allows. Slower than the futex (see its remarks), but correct.
/// </summary>
internal static unsafe class MonitorFutex
{
    private static readonly object[] s_stripes = [.. Enumerable.Range(0, 64).Select(_ => new object())];

    /// <summary>As <see cref="Futex.Wait"/>.</summary>
    internal static void Wait(int* word, int expected, int timeoutMs)
    {
        object stripe = StripeOf(word);
        // A waker changes the word before it takes the stripe's lock to pulse, so a check under the lock cannot miss
        // a change whose wake would come before this thread sleeps.
        lock (stripe)
        {
            if (Volatile.Read(ref *word) == expected) Monitor.Wait(stripe, timeoutMs);
        }
    }

    /// <summary>As <see cref="Futex.Wake"/>.</summary>
    internal static void Wake(int* word)
    {
        object stripe = StripeOf(word);
        lock (stripe) Monitor.PulseAll(stripe);
    }

    // Words are 4-byte aligned, so the low two bits carry no information.
    // Stryker disable once Bitwise : << or >>> only picks another stripe, the same one for a word's Wait and Wake (fewer distinct stripes for <<: more spurious wakeups)
    private static object StripeOf(int* word) => s_stripes[(int)(((nuint)word >> 2) % (nuint)s_stripes.Length)];
}

using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace EventPoll.Scenarios.Os;

/// <summary>
/// Whether a thread is asleep (state S in <c>/proc/self/task/TID/stat</c>): a wakeup is only timed once its waiter
/// sleeps, in the kernel or on a futex, so a spinning waiter is never timed as a woken one. Reads without allocating.
/// </summary>
internal sealed partial class ThreadSleepProbe : IDisposable
{
    private readonly SafeFileHandle _stat;
    private readonly byte[] _buffer = new byte[512];

    /// <summary>Probes the thread with Linux thread id <paramref name="tid"/> (<see cref="CurrentThreadId"/> on that thread).</summary>
    internal ThreadSleepProbe(int tid) => _stat = File.OpenHandle($"/proc/self/task/{tid}/stat");

    /// <summary>The calling thread's Linux thread id.</summary>
    internal static int CurrentThreadId() => GetTid();

    internal bool IsAsleep
    {
        get
        {
            // "tid (comm) S ...": comm may hold spaces and parentheses, so the state follows the last ')'.
            Span<byte> stat = _buffer.AsSpan(0, RandomAccess.Read(_stat, _buffer, 0));
            int close = stat.LastIndexOf((byte)')');
            return close >= 0 && close + 2 < stat.Length && stat[close + 2] == (byte)'S';
        }
    }

    public void Dispose() => _stat.Dispose();

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();
}

// Concurrency stress tests of the engine (issue 4, "Stress").
//
// Every test here runs for a bounded time and checks invariants while and after it runs; none of them
// sleeps in place of synchronisation, and every bounded wait that runs out is a failure, never a retry.
//
// Knobs (environment variables):
//   EVENTPOLL_STRESS_SECONDS  seconds each randomized test runs (default 4; the race shapes run half of it).
//                             CI uses the default: the whole Stress folder takes well under 45 s.
//   EVENTPOLL_STRESS_LONG=1   the long-lived-file test uses 1,000,000 short-lived instances instead of 100,000.
//   EVENTPOLL_STRESS_SEED     fixes the seed of the random operation mix (threads still interleave freely).
//
// A 10-minute local run (about 60 s per randomized test):
//   EVENTPOLL_STRESS_SECONDS=60 EVENTPOLL_STRESS_LONG=1 dotnet test tests/EventPoll.Tests --filter "FullyQualifiedName~Stress"
//
// The tests run in Debug, so the engine's Debug.Asserts are live. Under `dotnet test` the test host replaces the
// default trace listener with one that throws (DebugAssertException) on the asserting thread; the workers record
// every exception, and StressRun also installs AssertRecorder, which records each failed assert before the
// throwing listener runs, so an assert that some code path swallowed still fails the test.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Xunit;

namespace EventPoll.Tests.Stress;

/// <summary>The stress tests measure process-wide state (live instances, GC heap): they run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StressCollection
{
    public const string Name = "Stress";
}

/// <summary>Settings and helpers shared by the stress tests.</summary>
internal static class StressSettings
{
    /// <summary>How long each randomized test runs (EVENTPOLL_STRESS_SECONDS, default 4 s).</summary>
    internal static TimeSpan Duration { get; } = TimeSpan.FromSeconds(ReadDouble("EVENTPOLL_STRESS_SECONDS", 4));

    /// <summary>How long each race shape runs: half of <see cref="Duration"/>.</summary>
    internal static TimeSpan RaceDuration => Duration / 2;

    /// <summary>Whether the long run was asked for (EVENTPOLL_STRESS_LONG=1).</summary>
    internal static bool Long { get; } = Environment.GetEnvironmentVariable("EVENTPOLL_STRESS_LONG") == "1";

    /// <summary>A bound for anything that must happen; only a broken engine (or a hung host) reaches it.</summary>
    internal static TimeSpan Generous => Support.Bounded.Limit;

    /// <summary>The base seed of the run (EVENTPOLL_STRESS_SEED, or random); each thread derives its own.</summary>
    internal static int Seed { get; } = Environment.GetEnvironmentVariable("EVENTPOLL_STRESS_SEED") is { } s
        ? int.Parse(s, CultureInfo.InvariantCulture)
        : Random.Shared.Next();

    private static double ReadDouble(string name, double fallback)
        => Environment.GetEnvironmentVariable(name) is { Length: > 0 } s ? double.Parse(s, CultureInfo.InvariantCulture) : fallback;
}

/// <summary>
/// Records failed Debug.Asserts (inserted before the test host's throwing listener), so that an assert whose
/// exception some code path caught still fails the test.
/// </summary>
internal sealed class AssertRecorder : TraceListener
{
    private static readonly ConcurrentQueue<string> s_failures = new();
    private static readonly object s_installLock = new();
    private static bool s_installed;

    internal static void Install()
    {
        lock (s_installLock)
        {
            if (s_installed) return;
            System.Diagnostics.Trace.Listeners.Insert(0, new AssertRecorder());
            s_installed = true;
        }
    }

    internal static int Count => s_failures.Count;

    internal static string[] Since(int count) => [.. s_failures.Skip(count)];

    public override void Fail(string? message, string? detailMessage) => s_failures.Enqueue($"{message} {detailMessage}");

    public override void Fail(string? message) => s_failures.Enqueue(message ?? "");

    public override void Write(string? message) { }

    public override void WriteLine(string? message) { }
}

/// <summary>
/// One stress run: worker threads with their own seeds, a stop flag, and a list of failures. Workers record
/// every unexpected exception (Debug.Assert failures included) instead of dying; <see cref="AssertClean"/>
/// fails the test with all of them.
/// </summary>
internal sealed class StressRun
{
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly List<Thread> _threads = [];
    private readonly int _assertsAtStart;
    private int _stop;

    internal StressRun()
    {
        AssertRecorder.Install();
        _assertsAtStart = AssertRecorder.Count;
    }

    internal bool Stopping => Volatile.Read(ref _stop) != 0;

    internal bool HasFailures => !_failures.IsEmpty;

    internal void Stop() => Volatile.Write(ref _stop, 1);

    /// <summary>Records a broken invariant (from any thread).</summary>
    internal void Fail(string message)
    {
        if (_failures.Count < 50) _failures.Enqueue(message);
    }

    /// <summary>Starts a worker: <paramref name="body"/> gets its own Random (seed derived from the run's seed and <paramref name="name"/>).</summary>
    internal void Start(string name, Action<Random> body)
    {
        int seed = HashCode.Combine(StressSettings.Seed, name);
        var thread = new Thread(() =>
        {
            try
            {
                body(new Random(seed));
            }
            catch (Exception e)
            {
                Fail($"{name} (seed {StressSettings.Seed}): {e}");
                Stop();
            }
        }) { IsBackground = true, Name = name };
        _threads.Add(thread);
        thread.Start();
    }

    /// <summary>Runs until <paramref name="duration"/> passes or a failure is recorded, then stops and joins every worker.</summary>
    internal void RunFor(TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration && !HasFailures && !Stopping)
        {
            // The test thread has nothing to do but watch for the end; a join with a timeout is a bounded wait.
            if (_threads.TrueForAll(t => !t.IsAlive)) break;
            _threads[0].Join(TimeSpan.FromMilliseconds(20));
        }
        Stop();
        JoinAll();
    }

    /// <summary>Joins every worker; a worker that does not finish within the generous bound is a failure (a hang).</summary>
    internal void JoinAll()
    {
        foreach (Thread t in _threads)
        {
            if (!t.Join(StressSettings.Generous)) Fail($"{t.Name} did not finish within {StressSettings.Generous} (hang or lost wakeup)");
        }
        _threads.Clear();
    }

    /// <summary>Fails the test with every recorded failure and every Debug.Assert that failed since the run started.</summary>
    internal void AssertClean()
    {
        string[] asserts = AssertRecorder.Since(_assertsAtStart);
        Assert.True(asserts.Length == 0, $"Debug.Assert failed (seed {StressSettings.Seed}):\n{string.Join("\n", asserts)}");
        Assert.True(_failures.IsEmpty, $"seed {StressSettings.Seed}:\n{string.Join("\n", _failures)}");
    }
}

/// <summary>
/// Event data of the stress tests: a unique token per registration or re-arm (ADD or MOD), so that one value
/// names one arming of one item. Bit 63 marks ONESHOT armings; bits 40..62 carry a small payload (a file index).
/// </summary>
internal static class Token
{
    private const ulong OneShotBit = 1UL << 63;
    private const int PayloadShift = 40;
    private const ulong SerialMask = (1UL << PayloadShift) - 1;
    private static long s_next;

    internal static ulong Next(bool oneShot, int payload = 0)
    {
        Debug.Assert(payload is >= 0 and < (1 << 23));
        ulong serial = (ulong)Interlocked.Increment(ref s_next) & SerialMask;
        return serial | ((ulong)payload << PayloadShift) | (oneShot ? OneShotBit : 0);
    }

    internal static bool IsOneShot(ulong data) => (data & OneShotBit) != 0;

    internal static int Payload(ulong data) => (int)((data & ~OneShotBit) >> PayloadShift);

    internal static ulong Serial(ulong data) => data & SerialMask;
}

/// <summary>
/// Remembers which ONESHOT armings were delivered, in bounded memory: a delivered token is kept until a
/// later token hashes to its slot (tokens are sequential, so the last million armings are tracked exactly).
/// A second delivery of a tracked token is a broken "at most one waiter per arming".
/// </summary>
internal sealed class DeliveryLog
{
    private readonly ulong[] _slots = new ulong[1 << 20];

    /// <summary>Records a delivery; false if this token was already delivered.</summary>
    internal bool First(ulong token)
    {
        ref ulong slot = ref _slots[(int)(Token.Serial(token) & (ulong)(_slots.Length - 1))];
        while (true)
        {
            ulong seen = Volatile.Read(ref slot);
            if (seen == token) return false;
            if (Interlocked.CompareExchange(ref slot, token, seen) == seen) return true;
        }
    }
}

/// <summary>Engine-level helpers (the tests see internals).</summary>
internal static class StressChecks
{
    /// <summary>Checks a wait result: no (item) twice in one harvest, no event with an empty mask, ONESHOT armings delivered once.</summary>
    internal static void CheckHarvest(StressRun run, ReadOnlySpan<EpollEvent> events, DeliveryLog oneShots, string where)
    {
        for (int i = 0; i < events.Length; i++)
        {
            if (events[i].Events == EpollEvents.None) run.Fail($"{where}: event with an empty mask (data {events[i].Data:x})");
            for (int j = 0; j < i; j++)
            {
                if (events[j].Data == events[i].Data) run.Fail($"{where}: data {events[i].Data:x} twice in one harvest (duplicate ready entry)");
            }
            if (Token.IsOneShot(events[i].Data) && !oneShots.First(events[i].Data))
            {
                run.Fail($"{where}: ONESHOT arming {events[i].Data:x} delivered twice");
            }
        }
    }

    /// <summary>Closes every descriptor still open in <paramref name="table"/>.</summary>
    internal static void CloseAll(DescriptorTable table)
    {
        foreach (int fd in table.OpenDescriptors()) Assert.Equal(0, table.Close(fd));
        Assert.Equal(0, table.Count);
    }

    /// <summary>Collects garbage fully and asserts that none of <paramref name="refs"/> is still alive.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void AssertCollected(IReadOnlyCollection<WeakReference> refs, string what)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        int alive = refs.Count(r => r.IsAlive);
        Assert.True(alive == 0, $"{alive} of {refs.Count} {what} are still reachable after everything was closed");
    }
}

/// <summary>
/// Rounds of a race: the test thread sets a round up, then <c>parts</c> persistent threads run their part of it
/// at the same moment (released together by a barrier), then the test thread checks the round's invariants
/// while the threads wait at the barrier. Rounds repeat until the duration passes.
/// </summary>
internal sealed class Rounds
{
    private readonly StressRun _run = new();
    private readonly Barrier _barrier;
    private readonly int _parts;
    private Action<int>? _body;

    internal Rounds(int parts)
    {
        _parts = parts;
        _barrier = new Barrier(parts + 1);
    }

    /// <summary>The run whose failures the parts record (call <see cref="StressRun.Fail"/> from any part).</summary>
    internal StressRun Run => _run;

    /// <summary>
    /// Runs rounds for <paramref name="duration"/>, and on until <paramref name="minRounds"/> have run:
    /// <paramref name="setup"/> returns the round's body (called by each thread with its part index),
    /// <paramref name="check"/> verifies the round. The minimum is counted, not timed, so that a loaded machine makes
    /// the run longer instead of failing it, and an idle one still races as often as the test needs. Returns the
    /// number of rounds.
    /// </summary>
    internal int RunFor(TimeSpan duration, int minRounds, Func<Random, Action<int>> setup, Action check)
    {
        for (int p = 0; p < _parts; p++)
        {
            int part = p;
            _run.Start($"part {p}", _ => PartLoop(part));
        }
        var rng = new Random(HashCode.Combine(StressSettings.Seed, "rounds"));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int rounds = 0;
        try
        {
            while ((clock.Elapsed < duration || rounds < minRounds) && !_run.HasFailures)
            {
                Volatile.Write(ref _body, setup(rng));
                Phase("start");
                Phase("end"); // a part that hangs (a deadlock, a lost wakeup) runs this bound out
                _run.AssertClean();
                check();
                rounds++;
            }
        }
        finally
        {
            _run.Stop();
            Volatile.Write(ref _body, null);
            _barrier.SignalAndWait(StressSettings.Generous);
            _run.JoinAll();
        }
        _run.AssertClean();
        return rounds;
    }

    private void Phase(string what)
    {
        if (!_barrier.SignalAndWait(StressSettings.Generous))
        {
            _run.Fail($"a part did not reach the {what} of a round within {StressSettings.Generous} (hang or lost wakeup)");
            _run.AssertClean();
        }
    }

    private void PartLoop(int part)
    {
        while (true)
        {
            if (!_barrier.SignalAndWait(StressSettings.Generous) || Volatile.Read(ref _body) is not Action<int> body) return;
            try
            {
                body(part);
            }
            catch (Exception e)
            {
                _run.Fail($"part {part} (seed {StressSettings.Seed}): {e}");
            }
            if (!_barrier.SignalAndWait(StressSettings.Generous)) return;
        }
    }
}

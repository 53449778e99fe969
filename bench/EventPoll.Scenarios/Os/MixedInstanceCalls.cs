using EventPoll.Interop;
using EventPoll.Scenarios.Measurement;
using Microsoft.Win32.SafeHandles;

namespace EventPoll.Scenarios.Os;

/// <summary>
/// System calls per wait of an EventPoll instance watching 1,000 OS eventfds and 1,000 in-process eventfds, counted by
/// the kernel side's counters (<see cref="KernelPoller.WaitCalls"/>, <see cref="KernelPoller.SignalWrites"/>,
/// <see cref="KernelPoller.RingSystemCalls"/>), against what the events require: a wait that returns an OS event needs
/// one epoll_wait, one that blocks needs it and, to be woken by an in-process source, the signaller's eventfd write; a
/// wait served from in-process events needs none. The in-process-only mix runs once unmeasured first, as a warm-up: the
/// steady state is measured, and the readiness ring's creation (once per instance, at its first kernel's turn that finds
/// nothing) is reported apart.
/// </summary>
internal static class MixedInstanceCalls
{
    internal const int Sources = 1_000;
    internal const string InProcessOnly = "mixed: in-process events only", OsOnly = "mixed: OS events only",
        Both = "mixed: one of each kind per round", BlockedWoken = "mixed: blocked, woken by an in-process source";
    internal const string Required = "events require";

    /// <summary>Adds, per workload, the instance's system calls per wait and what its events required.</summary>
    internal static void Measure(ScenarioResult result, int rounds)
    {
        using var instance = new EventPollInstance();
        Epoll epoll = instance.InProcess;
        SafeFileHandle[] os = [.. Enumerable.Range(0, Sources).Select(_ => OsEventFd.Create())];
        EventFd[] inProcess = [.. Enumerable.Range(0, Sources).Select(_ => new EventFd(table: epoll.Table))];
        try
        {
            for (int i = 0; i < Sources; i++)
            {
                instance.Add(os[i], EpollEvents.In, (ulong)i);
                epoll.Add(inProcess[i], EpollEvents.In, (ulong)(Sources + i));
            }
            KernelPoller kernel = instance.Kernel!;
            var mix = new Mix(instance, kernel, os, inProcess);
            mix.Run(rounds, signalOs: false, signalInProcess: true); // the warm-up
            result.Notes.Add(RingNote(kernel));
            foreach ((string name, bool signalOs, bool signalInProcess) in (ReadOnlySpan<(string, bool, bool)>)[(InProcessOnly, false, true), (OsOnly, true, false), (Both, true, true)])
            {
                (double calls, double required) = mix.Run(rounds, signalOs, signalInProcess);
                AddRows(result, name, calls, required);
            }
            long before = Calls(kernel);
            int wakeups = WakeupLatency.WarmUpRounds + Math.Max(rounds / 10, 10);
            var events = new EpollEvent[64];
            WakeupLatency.Measure(wakeups - WakeupLatency.WarmUpRounds,
                () =>
                {
                    if (instance.Wait(events, -1) != 1 || events[0].Data != Sources) throw new InvalidOperationException("the wait missed the in-process eventfd");
                },
                () => inProcess[0].Consume(), () => inProcess[0].Signal());
            AddRows(result, BlockedWoken, (double)(Calls(kernel) - before) / wakeups, 2);
        }
        finally
        {
            foreach (EventFd efd in inProcess) efd.Dispose();
            foreach (SafeFileHandle efd in os) efd.Dispose();
        }
    }

    private static long Calls(KernelPoller kernel) => kernel.WaitCalls + kernel.SignalWrites + kernel.RingSystemCalls;

    /// <summary>What the warm-up left: the readiness ring armed (and its creation's system calls), or why there is none.</summary>
    private static string RingNote(KernelPoller kernel) => kernel.RingArmed
        ? $"the readiness ring (io_uring, a multishot poll of the instance's kernel epoll) was armed in the warm-up, with {kernel.RingSystemCalls} system calls (io_uring_setup, two mmaps, io_uring_enter): kernel's turns that find nothing make no system call"
        : $"no readiness ring ({(kernel.RingRefused is Errno.None ? "not armed" : $"io_uring refused: {kernel.RingRefused}")}): every kernel's turn is an epoll_wait";

    private static void AddRows(ScenarioResult result, string workload, double calls, double required)
    {
        string product = OsDesigns.Label(OsDesign.EventPoll);
        result.Rows.Add(new Row(product, workload, calls, Unit.SystemCallsPerWait, [calls]));
        result.Rows.Add(new Row(Required, workload, required, Unit.SystemCallsPerWait, [required]));
    }

    /// <summary>Rounds of signalling one source of a kind or of each, then waiting until every signalled event came back.</summary>
    private sealed class Mix(EventPollInstance instance, KernelPoller kernel, SafeFileHandle[] os, EventFd[] inProcess)
    {
        private readonly EpollEvent[] _events = new EpollEvent[64];

        /// <summary>System calls per wait and the calls the waits' events required per wait.</summary>
        internal (double Calls, double Required) Run(int rounds, bool signalOs, bool signalInProcess)
        {
            long before = Calls(kernel);
            long waits = 0, required = 0;
            for (int r = 0; r < rounds; r++)
            {
                int i = r % Sources;
                if (signalOs) OsEventFd.Signal(os[i]);
                if (signalInProcess) inProcess[i].Signal();
                int pending = (signalOs ? 1 : 0) + (signalInProcess ? 1 : 0);
                while (pending > 0)
                {
                    int n = instance.Wait(_events, -1);
                    waits++;
                    bool osEvent = false;
                    foreach (EpollEvent e in _events.AsSpan(0, n))
                    {
                        osEvent |= Consume(e.Data, i);
                        pending--;
                    }
                    if (osEvent) required++;
                }
            }
            return ((double)(Calls(kernel) - before) / waits, (double)required / waits);
        }

        /// <summary>Consumes the source an event names, which must be one signalled this round; true for an OS one.</summary>
        private bool Consume(ulong data, int signalled)
        {
            if (data == (ulong)signalled)
            {
                OsEventFd.Consume(os[signalled]);
                return true;
            }
            if (data != (ulong)(Sources + signalled)) throw new InvalidOperationException($"a wait returned source {data}, not one signalled in round {signalled}");
            inProcess[signalled].Consume();
            return false;
        }
    }
}

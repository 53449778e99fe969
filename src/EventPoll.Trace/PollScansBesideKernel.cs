using EventPoll.Interop;

namespace EventPoll.Trace;

/// <summary>
/// Finds the polls of the mixed backend's instances whose scan Linux's may have ended elsewhere (docs/trace-format.md,
/// "Polls beside a kernel side"). Polling an instance scans its ready list, dropping the items it finds not ready, up to
/// the first ready one. Linux's list holds both kinds in the order they became ready; the engine scans its in-process
/// list and the kernel scans the instance's kernel epoll, each up to its own first ready item. So with a registration
/// of each kind at hand the two can drop different items, and an item dropped is queued at the tail when it is ready
/// again (and its MOD wakes the watchers), where one kept keeps its place (and its MOD wakes nobody).
/// </summary>
/// <remarks>
/// Which kernel registrations are queued, and where, user space cannot see; their readiness it can, after every
/// command (the commands that poll, poll, wait and ctl, change no source's readiness). A scan that dropped in-process
/// items parts when the kernel epoll holds a ready registration (Linux may have stopped at it first and kept them
/// queued). A scan that stopped at a ready in-process item parts when the kernel epoll holds a registration not ready
/// that has been ready since it was made, so may still be queued (Linux may have reached and dropped it first, or the
/// kernel's own scan, up to the signal, dropped it where Linux stopped before it). A watched instance's kernel epoll
/// may be any of these (reading it would scan it), so it counts as all. Only the trace's one thread uses this: no locks.
/// </remarks>
internal sealed class PollScansBesideKernel(DescriptorTable table, OsNumberRegion region, Func<int, bool> isOsSource)
{
    private readonly Dictionary<Eventpoll, Instance> _instances = new(ReferenceEqualityComparer.Instance);
    private long _closes; // descriptors closed so far: a close can drop registrations from any kernel epoll

    /// <summary>
    /// What was seen of an instance: its scan counts, its OS registrations (by descriptor) seen ready since made, and its
    /// kernel side's registrations as fdinfo last listed them, with what had happened to that side by then.
    /// </summary>
    private sealed class Instance
    {
        internal long Dropping, StoppedAtReady;
        internal readonly HashSet<int> SeenReady = [];
        internal readonly List<FdInfoItem> Listed = [];
        internal KernelPoller? ListedFrom;
        internal long ListedCtls, ListedWaits, ListedCloses;
    }

    /// <summary>Notes a closed descriptor: the kernel epolls must be listed afresh.</summary>
    internal void Closed() => _closes++;

    /// <summary>
    /// Whether a poll since the latest call scanned an instance's in-process list where Linux's scan may have ended
    /// elsewhere. Called after every command, so that readiness between polls is seen.
    /// </summary>
    internal bool AnySinceLast()
    {
        bool found = false;
        foreach (int fd in table.OpenDescriptors())
        {
            if (Syscalls.PinInstance(table, fd, out Eventpoll? ep) < 0) continue;
            found |= ScannedApart(ep!);
            ep!.Release();
        }
        return found;
    }

    private bool ScannedApart(Eventpoll ep)
    {
        if (!_instances.TryGetValue(ep, out Instance? seen)) _instances[ep] = seen = new Instance();
        bool dropped = ep.PollScansDropping != seen.Dropping, stopped = ep.PollScansStoppedAtReady != seen.StoppedAtReady;
        (seen.Dropping, seen.StoppedAtReady) = (ep.PollScansDropping, ep.PollScansStoppedAtReady);
        if (ep.Kernel is not { } kernel) return false;
        (bool ready, bool maybeStale) = KernelRegistrations(Listed(kernel, seen), seen.SeenReady);
        return (dropped && ready) || (stopped && maybeStale);
    }

    /// <summary>
    /// The kernel side's registrations: fdinfo's list, read again only when they can have changed since the last read
    /// (reading every instance's after every command made a trace with a thousand instances take seconds).
    /// </summary>
    private List<FdInfoItem> Listed(KernelPoller kernel, Instance seen)
    {
        if (seen.ListedFrom == kernel && seen.ListedCtls == kernel.CtlCalls && seen.ListedWaits == kernel.WaitCalls
            && seen.ListedCloses == _closes)
        {
            return seen.Listed;
        }
        seen.Listed.Clear();
        FdInfoItem.ParseAll(File.ReadLines($"/proc/self/fdinfo/{kernel.Descriptor}"), seen.Listed);
        (seen.ListedFrom, seen.ListedCtls, seen.ListedWaits, seen.ListedCloses) = (kernel, kernel.CtlCalls, kernel.WaitCalls, _closes);
        return seen.Listed;
    }

    /// <summary>
    /// Whether the kernel epoll holds a registration that is ready, and one not ready that was ready since it was made
    /// (<paramref name="seenReady"/>, brought up to date here).
    /// </summary>
    private (bool Ready, bool MaybeStale) KernelRegistrations(List<FdInfoItem> items, HashSet<int> seenReady)
    {
        seenReady.IntersectWith(items.Select(item => item.Tfd)); // a registration deleted and made again starts afresh
        bool ready = false, maybeStale = false;
        foreach (FdInfoItem item in items)
        {
            uint wanted = (uint)item.Events & 0xFFFF; // the event bits; a disarmed ONESHOT registration has none and cannot be queued
            if (item.Data == KernelPoller.SignalData || wanted == 0) continue;
            if (!isOsSource(item.Tfd - region.Base))
            {
                (ready, maybeStale) = (true, true); // a watched instance's kernel epoll: see the remarks
                continue;
            }
            int revents = LinuxSyscalls.PollOne(item.Tfd, unchecked((short)wanted), 0);
            if (revents > 0 && (revents & wanted) != 0)
            {
                ready = true;
                seenReady.Add(item.Tfd);
            }
            else
            {
                maybeStale |= seenReady.Contains(item.Tfd);
            }
        }
        return (ready, maybeStale);
    }
}

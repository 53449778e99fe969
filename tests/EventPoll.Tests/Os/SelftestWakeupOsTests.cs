using EventPoll.Tests.Ported;
using EventPoll.Tests.Support;

namespace EventPoll.Tests.Os;

/// <summary>
/// The kernel selftest epoll_wakeup_test.c (<see cref="SelftestWakeupTests"/>, every case) re-run with OS descriptors
/// as the watched sockets, eventfds and pipes: the same topologies, the same counts, now through the instances'
/// kernel sides (issue 14). A thread waiting on such an instance counts as blocked when it leads in the kernel or
/// waits in user space behind the leader.
/// </summary>
/// <remarks>
/// One change: the two-socket cases (emitter_entry2) make s2 a dup of s0, so a single write readies both items in
/// one kernel wakeup. The in-process run holds the interest lock across its two writes so that no waiter harvests
/// between them; a kernel harvest takes no such lock, and two writes of two sockets would let a waiter woken by the
/// first run on the other core before the second (the flakiness the in-process run had before, epoll16/56/58).
/// Two items of one file are two items as epoll sees them (keyed by file and number), each reported on its own.
/// </remarks>
public sealed class SelftestWakeupOsTests : SelftestWakeupTests
{
    private protected override ISourceFactory Sources => SourceEnd.Factory(SourceKind.Os);

    private protected override (SourceEnd S2, Action Emit) SecondSocket(Epoll ep, SourceEnd s0, SourceEnd s1)
        => (Own(s0.Duplicate()), () => Emit(s1));
}

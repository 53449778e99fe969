using EventPoll.Tests.Ported;

namespace EventPoll.Tests.Os;

/// <summary>
/// LTP's epoll_wait cases that watch pipes and sockets (<see cref="LtpEpollWaitCases"/>) re-run with OS descriptors:
/// pipe2 and socketpair of the process, registered with epoll_ctl on OS descriptors, read, written and closed by the
/// kernel; the instances stay table descriptors. epoll_wait08 and epoll_wait16 run with table descriptors only (see
/// <see cref="LtpEpollWaitTests"/>).
/// </summary>
public sealed class LtpEpollWaitOsTests : LtpEpollWaitCases
{
    private protected override bool OsSources => true;
}

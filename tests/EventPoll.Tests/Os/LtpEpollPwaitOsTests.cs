using EventPoll.Tests.Ported;
using Xunit;

namespace EventPoll.Tests.Os;

/// <summary>
/// LTP's epoll_pwait cases (<see cref="LtpEpollPwaitCases"/>) re-run with OS descriptors: the socket pair of
/// epoll_pwait01-05 and the descriptors of epoll_pwait06 are the process's, registered with epoll_ctl on OS
/// descriptors, read and written by the kernel; the instances stay table descriptors. Left out (they run with table
/// descriptors only, see <see cref="LtpEpollPwaitTests"/>):
/// <list type="bullet">
/// <item>epoll_pwait06 Epoll (both variants): an instance is a table descriptor, never an OS source.</item>
/// </list>
/// </summary>
public sealed class LtpEpollPwaitOsTests : LtpEpollPwaitCases
{
    private protected override bool OsSources => true;

    /// <summary>Timeouts of 100 ms, 10 ms, ... 1 ns and 0 must all return, per OS descriptor type.</summary>
    [Theory]
    [InlineData(Variant.Pwait, LtpFdType.PipeRead)]
    [InlineData(Variant.Pwait, LtpFdType.PipeWrite)]
    [InlineData(Variant.Pwait, LtpFdType.UnixSocket)]
    [InlineData(Variant.Pwait, LtpFdType.EventFd)]
    [InlineData(Variant.Pwait, LtpFdType.TimerFd)]
    [InlineData(Variant.Pwait2, LtpFdType.PipeRead)]
    [InlineData(Variant.Pwait2, LtpFdType.PipeWrite)]
    [InlineData(Variant.Pwait2, LtpFdType.UnixSocket)]
    [InlineData(Variant.Pwait2, LtpFdType.EventFd)]
    [InlineData(Variant.Pwait2, LtpFdType.TimerFd)]
    public void Ltp_epoll_pwait06_small_timeouts_return(Variant variant, LtpFdType type) => SmallTimeoutsReturn(variant, type);
}

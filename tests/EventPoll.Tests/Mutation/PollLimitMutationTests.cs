using EventPoll.Interop;
using EventPoll.Tests.Misuse;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// poll(2) of one descriptor that the kernel refuses: nfds above RLIMIT_NOFILE is EINVAL, which the wrapper must
/// report as such rather than as a descriptor without events. The limit is lowered to 0, so this runs alone.
/// </summary>
[Collection(ProcessLimitCollection.Name)]
public sealed class PollLimitMutationTests
{
    private const short PollIn = 1;

    [LinuxFact]
    public void APollOfOneDescriptor_AboveADescriptorLimitOfZero_IsEinval_NotNoEvents()
    {
        int efd = LinuxSyscalls.EventFd(1, Posix.O_CLOEXEC);
        Assert.True(efd >= 0, $"eventfd: {efd}");
        Assert.Equal(PollIn, LinuxSyscalls.PollOne(efd, PollIn, 0)); // readable; and poll is bound before the limit drops
        Assert.Equal(0, LinuxSyscalls.GetRlimit(LinuxSyscalls.RlimitNoFile, out ulong soft, out ulong hard));
        int refused;
        try
        {
            Assert.Equal(0, LinuxSyscalls.SetRlimit(LinuxSyscalls.RlimitNoFile, 0, hard));
            refused = LinuxSyscalls.PollOne(efd, PollIn, 0);
        }
        finally
        {
            LinuxSyscalls.SetRlimit(LinuxSyscalls.RlimitNoFile, soft, hard);
            LinuxSyscalls.Close(efd);
        }
        Assert.Equal(-(int)Errno.EINVAL, refused);
    }
}

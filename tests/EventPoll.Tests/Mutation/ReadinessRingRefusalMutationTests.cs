using EventPoll.Interop;
using EventPoll.Tests.Misuse;
using EventPoll.Tests.Os;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// A readiness ring made where the process is short of something (Interop/ReadinessRing.cs, Create): no descriptor
/// number left, no address space for the mappings, only number 0 free. They change process-wide limits and numbers, so
/// they run alone. Mutation testing found these paths unreached.
/// </summary>
[Collection(ProcessLimitCollection.Name)]
public sealed class ReadinessRingRefusalMutationTests
{
    private const int RlimitAs = 9; // RLIMIT_AS, on x86-64 and in the generic table arm64 uses

    [RingFact]
    public void WithNoDescriptorNumberLeft_CreateIsEmfile_AndMakesNoRing()
    {
        int result = 0;
        ReadinessRing? ring = null;
        DescriptorsLeft.Run(0, () => result = ReadinessRing.Create(out ring));
        Assert.Equal(-(int)Errno.EMFILE, result);
        Assert.Null(ring);
    }

    [RingFact]
    public void WithNoAddressSpaceForItsMappings_CreateIsEnomem_AndLeavesNoDescriptorOrMapping()
    {
        Assert.Equal(0, ReadinessRing.Create(out ReadinessRing? warm)); // the stubs are compiled before the limit is lowered
        warm!.Close();
        (int rings, int mappings) = (ReadinessRingLifetimeTests.Descriptors(ReadinessRingLifetimeTests.Ring), ReadinessRingLifetimeTests.RingMappings());
        Assert.Equal(0, LinuxSyscalls.GetRlimit(RlimitAs, out ulong soft, out ulong hard));
        int result;
        ReadinessRing? ring;
        try
        {
            // Far below the process's size (the runtime reserves gigabytes), so no new mapping fits, however the
            // process's other threads map and unmap meanwhile.
            Assert.Equal(0, LinuxSyscalls.SetRlimit(RlimitAs, 1 << 20, hard));
            result = ReadinessRing.Create(out ring);
        }
        finally
        {
            LinuxSyscalls.SetRlimit(RlimitAs, soft, hard);
        }
        Assert.Equal(-(int)Errno.ENOMEM, result);
        Assert.Null(ring);
        Assert.Equal((rings, mappings), (ReadinessRingLifetimeTests.Descriptors(ReadinessRingLifetimeTests.Ring), ReadinessRingLifetimeTests.RingMappings()));
    }

    [RingFact]
    public void WhenNumberZeroIsTheLowestFree_TheRingIsMadeOnIt()
    {
        int stdin = LinuxSyscalls.Fcntl(0, LinuxSyscalls.FDupFdCloExec, 3); // keeps whatever 0 names, if anything
        if (stdin >= 0) Assert.Equal(0, LinuxSyscalls.Close(0));
        ReadinessRing? ring = null;
        try
        {
            Assert.Equal(0, ReadinessRing.Create(out ring));
            Assert.Equal(0, ring!.Descriptor);
            Assert.Equal(3, ring.SystemCalls);
        }
        finally
        {
            ring?.Close();
            if (stdin >= 0)
            {
                LinuxSyscalls.Dup2(stdin, 0);
                LinuxSyscalls.Close(stdin);
            }
        }
    }
}

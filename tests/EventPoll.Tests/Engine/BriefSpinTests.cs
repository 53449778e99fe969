using Xunit;

namespace EventPoll.Tests.Engine;

/// <summary>The spin policy's one rule that is not tuning: on one processor nothing spins (see <see cref="BriefSpin"/>).</summary>
public sealed class BriefSpinTests
{
    [Fact]
    public void OnOneProcessor_NeitherLocksNorWaitsSpin()
    {
        Assert.Equal(0, BriefSpin.LockRoundsOn(processors: 1));
        Assert.Equal(0, BriefSpin.WaitRoundsOn(processors: 1));
    }

    [Fact]
    public void OnTwoProcessors_LocksSpin_AndWaitsSpinLonger()
    {
        Assert.True(BriefSpin.LockRoundsOn(processors: 2) > 0);
        Assert.True(BriefSpin.WaitRoundsOn(processors: 2) > BriefSpin.LockRoundsOn(processors: 2));
    }
}

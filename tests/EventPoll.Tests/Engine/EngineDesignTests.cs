using System.Reflection;
using Xunit;

namespace EventPoll.Tests.Engine;

/// <summary>The "before" design's close path (kept for the benchmarks) holds the process-wide close-path lock, the product's none.</summary>
public sealed class EngineDesignTests
{
    [Fact]
    public void TheGlobalClosePathDesign_HoldsTheProcessWideLock_ForTheClosePathOnly()
    {
        var closePathLock = (ShortLock)typeof(EngineDesign).GetField("s_closePathLock", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
        var before = new EngineDesign(GlobalClosePathLock: true);
        using (before.EnterClosePath()) Assert.True(closePathLock.IsHeldByCurrentThread);
        Assert.False(closePathLock.IsHeldByCurrentThread);
        using (EngineDesign.Default.EnterClosePath()) Assert.False(closePathLock.IsHeldByCurrentThread);
    }
}

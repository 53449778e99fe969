using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Engine;

/// <summary>What a deadline says is left: never a negative amount once it has passed, and the time asked for before.</summary>
public sealed class DeadlineTests
{
    [Fact]
    public void APassedDeadline_HasNothingLeft_NeverANegativeAmount()
    {
        Deadline deadline = Deadline.After(TimeSpan.FromTicks(1));
        Bounded.Until(() => deadline.HasPassed, "a deadline one tick away passes");
        Assert.Equal(TimeSpan.Zero, deadline.RemainingTime()); // a negative timespec would be EINVAL for epoll_pwait2
        Assert.Equal(0, deadline.RemainingMs());
    }

    /// <summary>An hour away, the time left is an hour less what this test took to read it (a minute is room enough).</summary>
    [Fact]
    public void AnHourAway_TheTimeLeftIsAlmostAnHour_InMillisecondsAndAsATimeSpan()
    {
        const int Hour = 3_600_000, Minute = 60_000;
        Assert.InRange(new Deadline(Hour).RemainingMs(), Hour - Minute, Hour);
        Assert.InRange(Deadline.After(TimeSpan.FromHours(1)).RemainingTime(), TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
    }

    [Fact]
    public void NoDeadline_NeverPasses_AndHasInfiniteTimeLeft()
    {
        foreach (Deadline none in new[] { new Deadline(-1), Deadline.After(Timeout.InfiniteTimeSpan) })
        {
            Assert.False(none.HasPassed);
            Assert.Equal(Timeout.InfiniteTimeSpan, none.RemainingTime());
            Assert.Equal(Timeout.Infinite, none.RemainingMs());
        }
        Assert.True(Deadline.Passed.HasPassed);
        Assert.Equal(TimeSpan.Zero, Deadline.Passed.RemainingTime());
    }
}

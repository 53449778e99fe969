using System.Globalization;
using EventPoll.Samples.Http;
using Xunit;
using static EventPoll.Tests.Http.Http;

namespace EventPoll.Tests.Http;

/// <summary>RFC 9110 §5.6.7: the Date value is an IMF-fixdate in GMT, formatted again at most once per second.</summary>
public class DateHeaderRules
{
    [Fact]
    public void Value_IsAnImfFixdate() => Assert.Equal("Sun, 06 Nov 1994 08:49:37 GMT", Text(FixedDate().Text));

    [Fact]
    public void Value_PadsDayAndTimeWithZeros() =>
        Assert.Equal("Mon, 01 Jan 2001 01:02:03 GMT", Text(new DateHeader(new DateTime(2001, 1, 1, 1, 2, 3, DateTimeKind.Utc)).Text));

    [Fact]
    public void RefreshWithinTheSameSecond_ChangesNothing()
    {
        var date = new DateHeader(new DateTime(2026, 3, 4, 5, 6, 7, 10, DateTimeKind.Utc));
        Assert.False(date.Refresh(new DateTime(2026, 3, 4, 5, 6, 7, 999, DateTimeKind.Utc)));
        Assert.Equal("Wed, 04 Mar 2026 05:06:07 GMT", Text(date.Text));
    }

    [Fact]
    public void RefreshInANewSecond_ChangesTheValue()
    {
        var date = new DateHeader(new DateTime(2026, 3, 4, 5, 6, 7, 999, DateTimeKind.Utc));
        Assert.True(date.Refresh(new DateTime(2026, 3, 4, 5, 6, 8, DateTimeKind.Utc)));
        Assert.Equal("Wed, 04 Mar 2026 05:06:08 GMT", Text(date.Text));
    }

    [Fact]
    public void LocalTime_IsRefused() =>
        Assert.Throws<ArgumentException>(() => new DateHeader(new DateTime(2026, 3, 4, 5, 6, 7, DateTimeKind.Local)));

    [Fact]
    public void DefaultValue_IsTheSystemClocksSecond()
    {
        DateTime before = DateTime.UtcNow;
        var date = new DateHeader();
        DateTime after = DateTime.UtcNow;
        DateTime shown = DateTime.ParseExact(Text(date.Text), "r", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        Assert.InRange(shown, before.AddTicks(-(before.Ticks % TimeSpan.TicksPerSecond)), after);
    }
}

using EventPoll.Reactor;
using Xunit;

namespace EventPoll.Tests.Reactor;

public class DeadlineListTests
{
    [Fact]
    public void A_connection_is_due_at_its_deadline_exactly_and_not_a_millisecond_before()
    {
        var list = new DeadlineList(timeoutMs: 100);
        var first = new Connection(null!, 0);
        var second = new Connection(null!, 1);
        list.Arm(first, now: 1_000);
        list.Arm(second, now: 1_050);
        Assert.Equal(1_100, list.Earliest);
        Assert.Null(list.TakeDue(1_099));
        Assert.Same(first, list.TakeDue(1_100));
        Assert.Null(list.TakeDue(1_100));
        Assert.Same(second, list.TakeDue(1_150));
        Assert.Equal(long.MaxValue, list.Earliest);
    }
}

using Xunit;

namespace EventPoll.Tests.Rules;

/// <summary>
/// The wakeup-path limits (Linux: reverse_path_check) are per leaf file: each non-epoll file below a new edge is
/// counted on its own, and a plain file added into an instance that is already watched is a leaf of the check too.
/// Probed on Linux 6.18 (traces reverse-path-two-leaves-counted-apart, reverse-path-plain-file-into-watched-instance):
/// 300 instances may watch an instance holding two pipes; a pipe added into an instance watched by 501 is EINVAL.
/// </summary>
public class ReversePathLeafRules
{
    private const EpollEvents In = EpollEvents.In;

    private readonly World _w = new();

    [Fact]
    public void TwoLeavesInOneCheck_AreCountedApart_300WatchersOfAnInstanceHoldingTwoPipes()
    {
        int inner = WatchedByNewInstances(300);
        Assert.Equal(300, Internals.WatcherCount(_w.File(inner)));
    }

    [Fact]
    public void TwoLeavesInOneCheck_EachStillLimitedTo500Paths()
    {
        int inner = WatchedByNewInstances(500);
        Assert.Equal(Errno.EINVAL, _w.Add(_w.Create(), inner, In));
    }

    /// <summary>An instance holding two pipes, then watched by <paramref name="watchers"/> new instances, each ADD checked.</summary>
    private int WatchedByNewInstances(int watchers)
    {
        int inner = _w.Create();
        Assert.Equal(Errno.None, _w.Add(inner, _w.Pipe().Read, In));
        Assert.Equal(Errno.None, _w.Add(inner, _w.Pipe().Read, In));
        for (int i = 1; i <= watchers; i++) Assert.True(_w.Add(_w.Create(), inner, In) == Errno.None, $"add #{i}");
        return inner;
    }

    [Theory]
    [InlineData(500, Errno.None)]
    [InlineData(501, Errno.EINVAL)]
    public void PlainFileAddedIntoAnInstanceWatchedByMany_IsALeafOfTheCheck(int watchers, Errno expected)
    {
        int watched = _w.Create();
        for (int i = 0; i < watchers; i++) Assert.Equal(Errno.None, _w.Add(_w.Create(), watched, In)); // no leaf yet: unlimited
        var (read, _) = _w.Pipe();
        Assert.Equal(expected, _w.Add(watched, read, In));
        Assert.Equal(expected == Errno.None ? 1 : 0, Internals.WatcherCount(_w.File(read)));
    }
}

using Xunit;

namespace EventPoll.Tests.Rules;

/// <summary>
/// Each item holds a reference on its instance (the v6.4 refcount design); EPOLL_CTL_DEL drops it, so an instance
/// whose items were all deleted is freed by the close of its last descriptor.
/// </summary>
public class DelReferenceRules
{
    private const EpollEvents In = EpollEvents.In;

    private readonly World _w = new();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DeletedItems_LeaveNoReference_TheCloseFreesTheInstance(bool ready)
    {
        int ep = _w.Create();
        Eventpoll instance = _w.Instance(ep);
        var fds = new[] { _w.Fake(ready ? In : EpollEvents.None).Fd, _w.Fake().Fd };
        foreach (int fd in fds) Assert.Equal(Errno.None, _w.Add(ep, fd, In));
        foreach (int fd in fds) Assert.Equal(Errno.None, _w.Del(ep, fd));
        Assert.False(instance.IsFreed); // the descriptor still holds it

        _w.Close(ep);

        Assert.True(instance.IsFreed);
    }

    [Fact]
    public void DeletedItem_NextToAKeptOne_TheCloseStillFreesTheInstance()
    {
        int ep = _w.Create();
        Eventpoll instance = _w.Instance(ep);
        int deleted = _w.Fake().Fd, kept = _w.Fake().Fd;
        Assert.Equal(Errno.None, _w.Add(ep, deleted, In));
        Assert.Equal(Errno.None, _w.Add(ep, kept, In));
        Assert.Equal(Errno.None, _w.Del(ep, deleted));

        _w.Close(ep); // removes the kept item and drops its reference with the file's

        Assert.True(instance.IsFreed);
    }
}

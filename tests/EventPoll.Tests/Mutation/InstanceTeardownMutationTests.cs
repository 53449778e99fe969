using EventPoll.Tests.Rules;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The close of an instance (Eventpoll.OnRelease, Linux: ep_clear_and_put), white-box: what it gives back and what it
/// leaves to a concurrent release of a watched file. Each test fails on the mutant noted beside it.
/// </summary>
public class InstanceTeardownMutationTests
{
    private readonly World _w = new();

    // OnRelease: without `_ready.Compact()` the removed items stay linked in the ready list of the closed instance.
    [Fact]
    public void ClosingAnInstance_UnlinksItsQueuedItemsFromTheReadyList()
    {
        int ep = _w.Create();
        for (int i = 0; i < 3; i++) Assert.Equal(Errno.None, _w.Add(ep, _w.EventFd(initial: 1), EpollEvents.In, (ulong)i));
        Eventpoll instance = _w.Instance(ep);
        ReadyList ready = instance.Ready;
        Assert.True(ready.MayHaveItems);

        _w.Close(ep);
        Assert.True(instance.IsFreed);
        Assert.False(ready.MayHaveItems);
        Assert.Equal(0, ready.DeadCount);
    }

    // RemoveLocked: `return false` for a dying item turned into `return true` counts it as removed by the close, so the
    // close drops its reference too and frees the instance while the file's release still has the item to remove.
    [Fact]
    public void ClosingAnInstance_LeavesAnItemWhoseFilesReleaseMarkedItDying_AndThatReleaseFreesTheInstance()
    {
        int ep = _w.Create();
        int kept = _w.EventFd();
        int releasing = _w.EventFd();
        Assert.Equal(Errno.None, _w.Add(ep, kept, EpollEvents.In));
        Assert.Equal(Errno.None, _w.Add(ep, releasing, EpollEvents.In));
        Eventpoll instance = _w.Instance(ep);
        OpenFile file = _w.File(releasing);
        EpItem dying = Assert.Single(instance.SnapshotItems(), item => item.File == file);

        // The interleaving of the two close paths: the file's release (EpItem.RemoveAllWatchers) has marked the item
        // dying under f_lock, then the instance's close runs, then the release goes on to remove the item.
        using (file.LockWatchers()) dying.Dying = true;
        _w.Close(ep);
        Assert.False(instance.IsFreed); // the dying item still holds its reference
        Assert.Equal(1, Internals.WatcherCount(file));

        instance.RemoveDyingItem(dying);
        Assert.True(instance.IsFreed);
        Assert.Equal(0, Internals.WatcherCount(file));
        _w.Close(releasing);
    }
}

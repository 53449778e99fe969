using Xunit;

namespace EventPoll.Tests.Rules;

/// <summary>
/// A file whose poll registers on two wait queues (as Linux's pipe_poll does for a descriptor open for reading and
/// writing): the item gets an entry on each, a wakeup on either queues it, and DEL or the instance's close takes
/// both entries off.
/// </summary>
public class SeveralWaitQueuesRules
{
    private const EpollEvents In = EpollEvents.In;
    private const EpollEvents Out = EpollEvents.Out;

    private readonly World _w = new();

    [Fact]
    public void Add_RegistersOnBothQueues_AndAWakeupOnEitherReports()
    {
        var file = new TwoQueueFile();
        int ep = _w.Create();
        int fd = _w.Table.Install(file);
        Assert.Equal(Errno.None, _w.Add(ep, fd, In | Out | EpollEvents.EdgeTriggered, 5));
        Assert.Equal((1, 1), (file.First.Count, file.Second.Count));
        Assert.Empty(_w.Wait(ep));

        file.Set(Out, file.Second);
        Assert.Equal([new EpollEvent(Out, 5)], _w.Wait(ep));
        file.Set(In | Out, file.First);
        Assert.Equal([new EpollEvent(In | Out, 5)], _w.Wait(ep));
    }

    [Fact]
    public void Del_TakesTheItemOffBothQueues()
    {
        var file = new TwoQueueFile();
        int ep = _w.Create();
        int fd = _w.Table.Install(file);
        Assert.Equal(Errno.None, _w.Add(ep, fd, In | Out));
        Assert.Equal(Errno.None, _w.Del(ep, fd));
        Assert.Equal((0, 0), (file.First.Count, file.Second.Count));

        file.Set(Out, file.Second);
        Assert.Empty(_w.Wait(ep));
        Assert.Equal(Errno.None, _w.Add(ep, fd, In | Out, 6)); // and it may be added again, on both queues
        Assert.Equal((1, 1), (file.First.Count, file.Second.Count));
        Assert.Equal([new EpollEvent(Out, 6)], _w.Wait(ep));
    }

    [Fact]
    public void ClosingTheInstance_TakesItsItemsOffBothQueues()
    {
        var file = new TwoQueueFile();
        var other = new TwoQueueFile();
        int ep = _w.Create();
        Assert.Equal(Errno.None, _w.Add(ep, _w.Table.Install(file), In));
        Assert.Equal(Errno.None, _w.Add(ep, _w.Table.Install(other), Out));

        _w.Close(ep);

        Assert.Equal((0, 0, 0, 0), (file.First.Count, file.Second.Count, other.First.Count, other.Second.Count));
    }

    /// <summary>A file that registers on two queues; a test sets its readiness and wakes one of them.</summary>
    private sealed class TwoQueueFile : OpenFile
    {
        private EpollEvents _mask; // under First's lock

        internal WaitQueue First { get; } = new();

        internal WaitQueue Second { get; } = new();

        public override EpollEvents Poll(PollTable? table)
        {
            table?.Register(First);
            table?.Register(Second);
            using (First.SyncRoot.EnterScope()) return _mask;
        }

        internal void Set(EpollEvents mask, WaitQueue wake)
        {
            using (First.SyncRoot.EnterScope()) _mask = mask;
            wake.Wake(mask);
        }
    }
}

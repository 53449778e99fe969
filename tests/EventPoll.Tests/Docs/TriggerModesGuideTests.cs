using Xunit;

namespace EventPoll.Tests.Docs;

/// <summary>
/// docs/trigger-modes.md's snippets, each run here with the outcome its comments state; the guide must show
/// them unchanged (see <see cref="DocFiles"/>).
/// </summary>
public class TriggerModesGuideTests
{
    private const string GuidePath = "docs/trigger-modes.md";
    private const string ThisFilePath = "tests/EventPoll.Tests/Docs/TriggerModesGuideTests.cs";

    [Theory]
    [InlineData("level")]
    [InlineData("edge")]
    [InlineData("fair")]
    [InlineData("oneshot")]
    [InlineData("exclusive")]
    [InlineData("dup")]
    [InlineData("nesting")]
    public void Guide_ShowsEachSnippet_AsRunHere(string region) => DocFiles.AssertGuideShows(GuidePath, ThisFilePath, region);

    [Fact]
    public void LevelTriggered_ReportsWhileReady()
    {
        // guide:level
        using var epoll = new Epoll();
        using var counter = new EventFd(initial: 1);
        epoll.Add(counter, EpollEvents.In, data: 1);

        var events = new EpollEvent[8];
        int first = epoll.Wait(events, timeoutMs: 0);   // 1: (In, 1)
        int second = epoll.Wait(events, timeoutMs: 0);  // 1 again: still readable, so reported again
        counter.Consume();
        int third = epoll.Wait(events, timeoutMs: 0);   // 0: no longer readable
        // end guide:level
        Assert.Equal((1, 1, 0), (first, second, third));
    }

    [Fact]
    public void EdgeTriggered_ReportsOncePerWakeup_ReadUntilEagain()
    {
        // guide:edge
        using var epoll = new Epoll();
        var (reader, writer) = Pipe.Create();
        using (reader)
        using (writer)
        {
            epoll.Add(reader, EpollEvents.In | EpollEvents.EdgeTriggered, data: 1);
            writer.Write(new byte[10]);

            var events = new EpollEvent[8];
            var buffer = new byte[4];
            int first = epoll.Wait(events, timeoutMs: 0);   // 1: the write was an edge
            reader.Read(buffer);                            // 4 of the 10 bytes
            int second = epoll.Wait(events, timeoutMs: 0);  // 0: 6 bytes wait, but no new edge came

            int total = 4;
            while (reader.TryRead(buffer, out int n) && n > 0)  // drain: until EAGAIN (false) or end of file (0)
                total += n;
            writer.Write(new byte[1]);
            int third = epoll.Wait(events, timeoutMs: 0);   // 1: a new write is a new edge
            // end guide:edge
            Assert.Equal((1, 0, 10, 1), (first, second, total, third));
        }
    }

    [Fact]
    public void EdgeTriggered_FairLoop_ServesEveryReadySource()
    {
        var (r1, w1) = Pipe.Create();
        var (r2, w2) = Pipe.Create();
        using (r1) using (w1) using (r2) using (w2)
        {
            w1.Write(new byte[64]); // a busy source
            w2.Write(new byte[4]);  // a quiet one
            var served = new List<ulong>();
            // guide:fair
            using var epoll = new Epoll();
            DescriptorHandle[] sources = [r1, r2];
            for (int i = 0; i < sources.Length; i++)
                epoll.Add(sources[i], EpollEvents.In | EpollEvents.EdgeTriggered, data: (ulong)i);

            var pending = new Queue<int>();           // sources that were not drained yet: our own ready list
            var events = new EpollEvent[8];
            var buffer = new byte[16];                // at most 16 bytes per source per turn
            for (int turn = 0; turn < 8; turn++)
            {
                int n = epoll.Wait(events, timeoutMs: pending.Count > 0 ? 0 : 100);
                foreach (EpollEvent e in events.AsSpan(0, n))
                    if (!pending.Contains((int)e.Data)) pending.Enqueue((int)e.Data);
                for (int k = pending.Count; k > 0; k--)
                {
                    int source = pending.Dequeue();
                    served.Add((ulong)source);
                    if (sources[source].TryRead(buffer, out int read) && read == buffer.Length)
                        pending.Enqueue(source);      // maybe more: serve it again next turn, after the others
                }
            }
            // end guide:fair
            Assert.Equal([0UL, 1, 0, 0, 0, 0], served);
        }
    }

    [Fact]
    public void OneShot_ReportsOnce_UntilModifyRearms()
    {
        // guide:oneshot
        using var epoll = new Epoll();
        using var work = new EventFd();
        epoll.Add(work, EpollEvents.In | EpollEvents.OneShot, data: 1);

        var events = new EpollEvent[8];
        work.Signal();
        int first = epoll.Wait(events, timeoutMs: 0);   // 1: reported, and now disabled
        work.Signal();
        int second = epoll.Wait(events, timeoutMs: 0);  // 0: disabled, whatever happens (even HUP or ERR)
        epoll.Modify(work, EpollEvents.In | EpollEvents.OneShot, data: 1);  // re-arm: re-polls the file
        int third = epoll.Wait(events, timeoutMs: 0);   // 1: still readable, so reported at once
        // end guide:oneshot
        Assert.Equal((1, 0, 1), (first, second, third));
        Assert.Equal(2UL, work.Consume());
    }

    [Fact]
    public void Exclusive_OnlyWithAdd_NotWithOneShot()
    {
        // guide:exclusive
        using var listener = new EventFd();
        using var worker1 = new Epoll();              // one instance per worker thread
        using var worker2 = new Epoll();
        worker1.Add(listener, EpollEvents.In | EpollEvents.Exclusive, data: 1);
        worker2.Add(listener, EpollEvents.In | EpollEvents.Exclusive, data: 1);
        // A signal now wakes one or more of the workers blocked in Wait, not all of them.

        var modify = Assert.Throws<EpollException>(
            () => worker1.Modify(listener, EpollEvents.In));            // EINVAL: MOD of an exclusive item
        using var other = new EventFd();
        var oneShot = Assert.Throws<EpollException>(
            () => worker1.Add(other, EpollEvents.In | EpollEvents.Exclusive | EpollEvents.OneShot));  // EINVAL
        // end guide:exclusive
        Assert.Equal((Errno.EINVAL, Errno.EINVAL), (modify.Errno, oneShot.Errno));
    }

    [Fact]
    public void ClosingOneDescriptorOfADupedFile_RemovesNothing()
    {
        // guide:dup
        using var epoll = new Epoll();
        var counter = new EventFd();
        using DescriptorHandle copy = counter.Duplicate();   // dup(2): a second number, the same file
        epoll.Add(counter, EpollEvents.In, data: 1);
        counter.Dispose();                                   // close(2) of the registered number

        copy.Write(BitConverter.GetBytes(1UL));              // the file lives on through the copy...
        var events = new EpollEvent[8];
        int n = epoll.Wait(events, timeoutMs: 0);            // ...and is still reported: 1, (In, 1)
        var notThere = Assert.Throws<EpollException>(
            () => epoll.Delete(copy));                       // ENOENT: the item is keyed by the old number
        // end guide:dup
        Assert.Equal((1, 1UL, Errno.ENOENT), (n, events[0].Data, notThere.Errno));
    }

    [Fact]
    public void Nesting_CyclesAndDeepChains_AreEloop()
    {
        // guide:nesting
        using var outer = new Epoll();
        using var inner = new Epoll();
        outer.Add(inner, EpollEvents.In, data: 1);            // an instance can watch another
        var cycle = Assert.Throws<EpollException>(
            () => inner.Add(outer, EpollEvents.In));          // ELOOP: a cycle

        var chain = new List<Epoll> { new(), new(), new(), new(), new(), new() };
        for (int i = 0; i < 4; i++)
            chain[i].Add(chain[i + 1], EpollEvents.In);       // five instances: four epoll-to-epoll edges
        var tooDeep = Assert.Throws<EpollException>(
            () => chain[4].Add(chain[5], EpollEvents.In));    // ELOOP: a fifth edge
        chain.ForEach(ep => ep.Dispose());
        // end guide:nesting
        Assert.Equal((Errno.ELOOP, Errno.ELOOP), (cycle.Errno, tooDeep.Errno));
    }
}

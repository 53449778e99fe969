using EventPoll.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace EventPoll.Tests.Stress;

/// <summary>
/// dup2 replacing a registered descriptor while a waiter blocks on the instance: each round descriptor X names
/// a fresh eventfd F registered in the instance (level- or edge-triggered, sometimes already readable), and
/// sometimes F has a second descriptor D. One thread dup2s another eventfd G onto X and then writes F (through D
/// when it exists), G (through X) and finally a sentinel S; a second thread writes through X during the dup2
/// (a callback racing the release); the waiter blocks until it sees the sentinel.
/// </summary>
/// <remarks>
/// Invariants: the waiter wakes for the sentinel (no lost wakeup while the interest set changes under it);
/// when D keeps F open, F's registration survives (Linux keys items by file and descriptor) and reports the write
/// made after the dup2; G, never registered, is never reported. After the round: without D, F is released and
/// its item gone; with D, DEL of X finds nothing (X now names G) and closing D removes the item.
/// </remarks>
[Collection(StressCollection.Name)]
public sealed class Dup2ReplacingRegisteredFileStressTests(ITestOutputHelper output)
{
    private const ulong Sentinel = 1, Replaced = 2;

    [Fact]
    public void Dup2OverARegisteredDescriptor_KeepsLinuxSemantics_UnderABlockedWaiter()
    {
        long liveBefore = EngineAccess.QuiescedLiveInstances();
        var account = new WatchAccount(100_000);
        var table = new DescriptorTable();
        var px = new Posix(table, account);
        int ep = px.EpollCreate1(0);
        var epObj = (Eventpoll)EngineAccess.FileAt(table, ep)!;
        int sentinel = px.EventFd(0, Posix.O_NONBLOCK);
        Assert.Equal(0, px.EpollCtl(ep, Posix.EPOLL_CTL_ADD, sentinel, new EpollEvent(EpollEvents.In | EpollEvents.EdgeTriggered, Sentinel)));
        byte[] one = BitConverter.GetBytes(1UL);

        int x = -1, g = -1, d = -1;
        EventFdFile? f = null;
        bool sawReplaced = false;
        int withDup = 0;
        var noDuplicates = new DeliveryLog(); // no ONESHOT here: only the duplicate and empty-mask checks apply

        var rounds = new Rounds(3);
        int count = rounds.RunFor(StressSettings.RaceDuration, minRounds: 101, rng =>
        {
            x = px.EventFd(rng.Next(2) == 0 ? 1u : 0u, Posix.O_NONBLOCK);
            f = (EventFdFile)EngineAccess.FileAt(table, x)!;
            g = px.EventFd(0, Posix.O_NONBLOCK);
            d = rng.Next(2) == 0 ? px.Dup(x) : -1;
            EpollEvents mode = rng.Next(2) == 0 ? EpollEvents.In : EpollEvents.In | EpollEvents.EdgeTriggered;
            Assert.Equal(0, px.EpollCtl(ep, Posix.EPOLL_CTL_ADD, x, new EpollEvent(mode, Replaced)));
            sawReplaced = false;
            return part =>
            {
                switch (part)
                {
                    case 0:
                        var events = new EpollEvent[4];
                        while (true)
                        {
                            int n = px.EpollWait(ep, events, 4, (int)StressSettings.Generous.TotalMilliseconds);
                            Assert.True(n > 0, n == 0 ? "lost wakeup: the sentinel write never woke the waiter" : $"wait failed with {Posix.Errno}");
                            StressChecks.CheckHarvest(rounds.Run, events.AsSpan(0, n), noDuplicates, "waiter");
                            bool done = false;
                            foreach (EpollEvent e in events.AsSpan(0, n))
                            {
                                if (e.Data == Replaced) sawReplaced = true;
                                else if (e.Data == Sentinel) done = true;
                                else rounds.Run.Fail($"unknown data {e.Data}");
                            }
                            if (done) return;
                        }
                    case 1:
                        Assert.Equal(x, px.Dup2(g, x));
                        if (d >= 0) Assert.Equal(8, px.Write(d, one));
                        Assert.Equal(8, px.Write(x, one)); // now G: not registered
                        Assert.Equal(8, px.Write(sentinel, one));
                        break;
                    default:
                        Assert.Equal(8, px.Write(x, one)); // F or G, whichever X names at that moment
                        break;
                }
            };
        }, () =>
        {
            Span<byte> value = stackalloc byte[8];
            Assert.Equal(8, px.Read(sentinel, value));
            if (d >= 0)
            {
                withDup++;
                Assert.True(sawReplaced, "F, kept open by its dup, was written after the dup2 but never reported");
                Assert.Equal(2, epObj.ItemCount);
                Assert.Equal(-1, px.EpollCtl(ep, Posix.EPOLL_CTL_DEL, x, null));
                Assert.Equal(Errno.ENOENT, Posix.Errno);
                Assert.Equal(0, px.Close(d));
            }
            Assert.True(f!.IsReleased, "F was not released");
            Assert.Null(f.FirstWatcher);
            Assert.Equal(0, f.Queue.Count);
            Assert.Equal(1, epObj.ItemCount);
            Assert.Equal(1, account.Watches);
            Assert.Equal(0, px.Close(x));
            Assert.Equal(0, px.Close(g));
        });
        output.WriteLine($"seed {StressSettings.Seed}: {count} rounds, {withDup} with a dup keeping F open");

        StressChecks.CloseAll(table);
        Assert.Equal(0, account.Watches);
        Assert.Equal(liveBefore, Eventpoll.LiveInstances);
    }
}

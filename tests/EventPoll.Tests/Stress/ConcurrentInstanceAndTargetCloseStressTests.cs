using EventPoll.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace EventPoll.Tests.Stress;

/// <summary>
/// The 2025-26 use-after-free shapes (reference §2.3): an instance and the files it watches are closed at the
/// same moment from two threads, so the instance's release (ep_clear_and_put) races each file's release
/// (eventpoll_release_file) over the same items, while a third thread runs the topology walkers over the same
/// files (an ADD into an instance that is itself watched: the reverse-path check of Carlini's report), waits on
/// the closing instance and writes to the closing files.
/// </summary>
/// <remarks>
/// Invariants per round: the instance is freed and every file released; no file keeps a watcher or a wait
/// entry; the long-lived checker instance lost every item on the released files; the account holds exactly the
/// long-lived watch; the live-instance count is back to its value before the round. At the end, nothing is left.
/// </remarks>
[Collection(StressCollection.Name)]
public sealed class ConcurrentInstanceAndTargetCloseStressTests(ITestOutputHelper output)
{
    private const int Targets = 4;

    [Fact]
    public void ClosingAnInstanceAndItsTargetsConcurrently_FreesEverything()
    {
        long liveBefore = EngineAccess.QuiescedLiveInstances();
        var account = new WatchAccount(100_000);
        var table = new DescriptorTable();
        var px = new Posix(table, account);
        // checker is watched by top, so every ADD into checker takes the full check (loop walk + reverse paths).
        int checker = px.EpollCreate1(0), top = px.EpollCreate1(0);
        Assert.Equal(0, px.EpollCtl(top, Posix.EPOLL_CTL_ADD, checker, new EpollEvent(EpollEvents.In, 0)));
        var checkerEp = (Eventpoll)EngineAccess.FileAt(table, checker)!;

        int ep = -1, outer = -1;
        var fds = new int[Targets];
        Eventpoll? epObj = null, outerObj = null;
        var files = new EventFdFile[Targets];
        byte[] one = BitConverter.GetBytes(1UL);

        var rounds = new Rounds(3);
        int count = rounds.RunFor(StressSettings.RaceDuration, minRounds: 101, rng =>
        {
            ep = px.EpollCreate1(0);
            epObj = (Eventpoll)EngineAccess.FileAt(table, ep)!;
            for (int i = 0; i < Targets; i++)
            {
                fds[i] = px.EventFd(rng.Next(2) == 0 ? 1u : 0u, Posix.O_NONBLOCK);
                files[i] = (EventFdFile)EngineAccess.FileAt(table, fds[i])!;
                EpollEvents mode = rng.Next(3) switch { 0 => EpollEvents.In, 1 => EpollEvents.In | EpollEvents.EdgeTriggered, _ => EpollEvents.In | EpollEvents.OneShot };
                Assert.Equal(0, px.EpollCtl(ep, Posix.EPOLL_CTL_ADD, fds[i], new EpollEvent(mode, (ulong)i)));
            }
            // Half of the rounds the instance is itself watched, so its release also races an outer instance's.
            outer = -1;
            outerObj = null;
            if (rng.Next(2) == 0)
            {
                outer = px.EpollCreate1(0);
                outerObj = (Eventpoll)EngineAccess.FileAt(table, outer)!;
                Assert.Equal(0, px.EpollCtl(outer, Posix.EPOLL_CTL_ADD, ep, new EpollEvent(EpollEvents.In, 0)));
            }
            int[] order = [.. Enumerable.Range(0, Targets).OrderBy(_ => rng.Next())];
            return part =>
            {
                switch (part)
                {
                    case 0:
                        Assert.Equal(0, px.Close(ep));
                        break;
                    case 1:
                        foreach (int i in order) Assert.Equal(0, px.Close(fds[i]));
                        if (outer >= 0) Assert.Equal(0, px.Close(outer));
                        break;
                    default:
                        var events = new EpollEvent[Targets];
                        foreach (int i in order)
                        {
                            int r = px.EpollCtl(checker, Posix.EPOLL_CTL_ADD, fds[i], new EpollEvent(EpollEvents.In, 0));
                            if (r < 0 && Posix.Errno != Errno.EBADF) rounds.Run.Fail($"ADD into the watched checker failed with {Posix.Errno}");
                            if (px.Write(fds[i], one) < 0 && Posix.Errno != Errno.EBADF) rounds.Run.Fail($"write failed with {Posix.Errno}");
                            if (px.EpollWait(ep, events, Targets, 0) < 0 && Posix.Errno != Errno.EBADF) rounds.Run.Fail($"wait failed with {Posix.Errno}");
                        }
                        break;
                }
            };
        }, () =>
        {
            Assert.True(epObj!.IsFreed, "the closed instance was not freed");
            Assert.True(outerObj is null || outerObj.IsFreed, "the closed outer instance was not freed");
            foreach (EventFdFile f in files)
            {
                Assert.True(f.IsReleased);
                Assert.Null(f.FirstWatcher);
                Assert.Equal(0, f.Queue.Count);
            }
            Assert.Equal(0, checkerEp.ItemCount);
            Assert.Equal(1, account.Watches); // top -> checker
            Assert.Equal(liveBefore + 2, Eventpoll.LiveInstances);
        });
        output.WriteLine($"seed {StressSettings.Seed}: {count} rounds");

        StressChecks.CloseAll(table);
        Assert.Equal(0, account.Watches);
        Assert.Equal(liveBefore, Eventpoll.LiveInstances);
    }
}

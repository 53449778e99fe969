using System.Net.Sockets;
using EventPoll.Tests.Os;
using EventPoll.Tests.Support;
using Microsoft.Win32.SafeHandles;
using Xunit;
using Xunit.Abstractions;

namespace EventPoll.Tests.Stress;

/// <summary>
/// The lifetime of OS registrations under races (issue 14; the seeds' epi_fget question asked in user space): a
/// registered socket disposed while a thread waits on the instance and another thread registers a new socket that
/// takes the same descriptor number; DEL racing Dispose; a dup keeping the kernel's item alive.
/// </summary>
/// <remarks>
/// Each round runs its parts at once (<see cref="Rounds"/>). Data words are unique per registration
/// (<see cref="Token"/>), half of them in the range EventPoll must carry through a slot of its own
/// (<see cref="KernelDataWords"/>), so an event attributed to the wrong registration shows as the wrong word. The
/// registrar part creates socket pairs until one takes the disposed socket's number (reported as "reused").
/// </remarks>
[Collection(StressCollection.Name)]
public sealed class OsDescriptorLifetimeStressTests(ITestOutputHelper output)
{
    private const ulong Sentinel = 1;

    /// <summary>A unique data word, in the reserved range half the time.</summary>
    private static ulong NewData(Random rng) => Token.Next(oneShot: false) | (rng.Next(2) == 0 ? 0 : KernelDataWords.ReservedBase);

    /// <summary>
    /// Creates socket pairs until one end takes <paramref name="number"/> (freed by a racing Dispose), then registers
    /// that end with <paramref name="data"/>; after the number was seen free once and missed, takes whatever comes.
    /// Returns the registered end, its peer, and whether the number was reused.
    /// </summary>
    private static (Socket New, Socket Peer, bool Reused) RegisterOnTheFreedNumber(Epoll ep, int number, Func<bool> freed, ulong data)
    {
        int missesAfterFree = 0;
        while (true)
        {
            bool wasFreed = freed();
            (Socket a, Socket b) = OsFd.SocketPair();
            if (OsFd.Number(b.SafeHandle) == number) (a, b) = (b, a);
            bool reused = OsFd.Number(a.SafeHandle) == number;
            if (reused || (wasFreed && ++missesAfterFree > 3))
            {
                ep.Add(a, EpollEvents.In, data); // never written: it must never be reported
                return (a, b, reused);
            }
            a.Dispose();
            b.Dispose();
        }
    }

    /// <summary>The registrations the instance's kernel side lists (fdinfo <c>tfd:</c> lines).</summary>
    private static int KernelRegistrations(Epoll ep) => ep.GetFdInfo().Split('\n').Count(l => l.StartsWith("tfd:", StringComparison.Ordinal));

    [Fact]
    public void DisposingARegisteredSocket_UnderAWaiter_WhileItsNumberIsReused_NeverMixesTheRegistrations()
    {
        using var ep = new Epoll(new DescriptorTable());
        using SafeFileHandle sentinel = OsFd.EventFd();
        ep.Add(sentinel, EpollEvents.In | EpollEvents.EdgeTriggered, Sentinel);
        Socket? old = null, oldPeer = null, fresh = null, freshPeer = null;
        int oldNumber = -1, closed = 0, reusedRounds = 0;
        ulong oldData = 0, freshData = 0;
        bool freshReused = false;
        long oldReports = 0;

        var rounds = new Rounds(3);
        // Fewer rounds than the other shapes: each round's waiter spins on the old socket's events, the slowest shape.
        int count = rounds.RunFor(StressSettings.RaceDuration, minRounds: 51, rng =>
        {
            (old, oldPeer) = OsFd.SocketPair();
            oldNumber = OsFd.Number(old.SafeHandle);
            oldData = NewData(rng);
            freshData = NewData(rng);
            ep.Add(old, EpollEvents.In, oldData); // level-triggered and readable: reported by every wait until the close
            oldPeer.Send("x"u8);
            Volatile.Write(ref closed, 0);
            return part =>
            {
                switch (part)
                {
                    case 0:
                        var events = new EpollEvent[4];
                        while (true)
                        {
                            bool closedBefore = Volatile.Read(ref closed) != 0;
                            int n = ep.Wait(events, StressSettings.Generous);
                            if (n == 0) rounds.Run.Fail("lost wakeup: the sentinel never ended the wait");
                            bool done = n == 0;
                            foreach (EpollEvent e in events.AsSpan(0, n))
                            {
                                if (e.Data == Sentinel) done = true;
                                else if (e.Data == oldData && closedBefore) rounds.Run.Fail($"the disposed socket's event ({e}) was reported by a wait that began after its Dispose returned");
                                else if (e.Data == oldData) Interlocked.Increment(ref oldReports);
                                else rounds.Run.Fail($"unexpected event {e} (the new registration is never readable; old data {oldData:x}, new {freshData:x})");
                            }
                            if (done) return;
                        }
                    case 1:
                        old!.Dispose();
                        Volatile.Write(ref closed, 1);
                        break;
                    default:
                        (fresh, freshPeer, freshReused) = RegisterOnTheFreedNumber(ep, oldNumber, () => Volatile.Read(ref closed) != 0, freshData);
                        SpinWait.SpinUntil(() => Volatile.Read(ref closed) != 0);
                        OsFd.Signal(sentinel);
                        break;
                }
            };
        }, () =>
        {
            Assert.True(OsFd.Consume(sentinel) > 0);
            if (freshReused) reusedRounds++;
            Assert.Equal(1 + 1, KernelRegistrations(ep)); // the sentinel and the new socket: the old one went with its close
            freshPeer!.Send("y"u8);
            var events = new EpollEvent[4];
            Assert.Equal(1, ep.Wait(events, 0));
            Assert.Equal(new EpollEvent(EpollEvents.In, freshData), events[0]);
            ep.Delete(fresh!); // still its own registration
            Assert.Equal(0, ep.Wait(events, 0));
            fresh!.Dispose();
            freshPeer.Dispose();
            oldPeer!.Dispose();
        });
        output.WriteLine($"seed {StressSettings.Seed}: {count} rounds, {reusedRounds} with the number reused, {oldReports} reports of the old socket before its close");
        Assert.True(reusedRounds > count / 2, $"the number was reused in only {reusedRounds} of {count} rounds");
    }

    [Fact]
    public void DeleteRacingDispose_IsDoneOrObjectDisposed_AndTouchesNoOtherRegistration()
    {
        using var ep = new Epoll(new DescriptorTable());
        Socket? old = null, oldPeer = null, fresh = null, freshPeer = null;
        int oldNumber = -1, closed = 0, deleted = 0, disposedFirst = 0, reusedRounds = 0;
        ulong freshData = 0;
        bool freshReused = false;

        var rounds = new Rounds(3);
        int count = rounds.RunFor(StressSettings.RaceDuration, minRounds: 101, rng =>
        {
            (old, oldPeer) = OsFd.SocketPair();
            oldNumber = OsFd.Number(old.SafeHandle);
            ep.Add(old, EpollEvents.In, NewData(rng));
            freshData = NewData(rng);
            Volatile.Write(ref closed, 0);
            return part =>
            {
                switch (part)
                {
                    case 0:
                        old!.Dispose();
                        Volatile.Write(ref closed, 1);
                        break;
                    case 1:
                        try
                        {
                            ep.Delete(old!); // held for the call: acts on the old socket or on nothing
                            Interlocked.Increment(ref deleted);
                        }
                        catch (ObjectDisposedException)
                        {
                            Interlocked.Increment(ref disposedFirst);
                        }
                        break;
                    default:
                        (fresh, freshPeer, freshReused) = RegisterOnTheFreedNumber(ep, oldNumber, () => Volatile.Read(ref closed) != 0, freshData);
                        break;
                }
            };
        }, () =>
        {
            if (freshReused) reusedRounds++;
            Assert.Throws<ObjectDisposedException>(() => ep.Delete(old!)); // after Dispose, always
            Assert.Equal(1, KernelRegistrations(ep));
            freshPeer!.Send("y"u8);
            var events = new EpollEvent[4];
            Assert.Equal(1, ep.Wait(events, 0));
            Assert.Equal(new EpollEvent(EpollEvents.In, freshData), events[0]);
            ep.Delete(fresh!); // the racing DEL left it alone
            fresh!.Dispose();
            freshPeer.Dispose();
            oldPeer!.Dispose();
        });
        output.WriteLine($"seed {StressSettings.Seed}: {count} rounds, {deleted} DELs before the Dispose, {disposedFirst} after, {reusedRounds} with the number reused");
        Assert.Equal(count, deleted + disposedFirst);
    }

    [Fact]
    public void ADupKeepsTheKernelsItem_ThroughACloseRacingAWaiterAndANewRegistration()
    {
        using var ep = new Epoll(new DescriptorTable());
        SafeFileHandle? original = null, dup = null;
        Socket? fresh = null, freshPeer = null;
        int originalNumber = -1, closed = 0, reusedRounds = 0;
        ulong originalData = 0, freshData = 0;
        bool freshReused = false;

        var rounds = new Rounds(3);
        int count = rounds.RunFor(StressSettings.RaceDuration, minRounds: 101, rng =>
        {
            original = OsFd.EventFd();
            originalNumber = OsFd.Number(original);
            dup = OsFd.Dup(original);
            originalData = NewData(rng);
            freshData = NewData(rng);
            ep.Add(original, EpollEvents.In | EpollEvents.EdgeTriggered, originalData);
            Volatile.Write(ref closed, 0);
            return part =>
            {
                switch (part)
                {
                    case 0:
                        // The only write comes after the close: seeing its value proves an event came after the close.
                        var events = new EpollEvent[4];
                        while (true)
                        {
                            int n = ep.Wait(events, StressSettings.Generous);
                            if (n == 0)
                            {
                                rounds.Run.Fail("the write through the dup after the close was never reported (the item went with the closed number)");
                                return;
                            }
                            foreach (EpollEvent e in events.AsSpan(0, n))
                            {
                                if (e.Data != originalData) rounds.Run.Fail($"unexpected event {e} (original data {originalData:x}, new {freshData:x})");
                            }
                            if (OsFd.Consume(dup!) != 0) return;
                        }
                    case 1:
                        original!.Dispose();
                        Volatile.Write(ref closed, 1);
                        OsFd.Signal(dup!);
                        break;
                    default:
                        (fresh, freshPeer, freshReused) = RegisterOnTheFreedNumber(ep, originalNumber, () => Volatile.Read(ref closed) != 0, freshData);
                        break;
                }
            };
        }, () =>
        {
            if (freshReused) reusedRounds++;
            Assert.Equal(2, KernelRegistrations(ep)); // the original's item (alive through the dup) and the new socket's
            Assert.Equal(Errno.ENOENT, Assert.Throws<EpollException>(() => ep.Delete(dup!)).Errno); // items are keyed by (file, number)
            OsFd.Signal(dup!);
            var events = new EpollEvent[4];
            Assert.Equal(1, ep.Wait(events, 0));
            Assert.Equal(new EpollEvent(EpollEvents.In, originalData), events[0]);
            dup!.Dispose(); // the last descriptor of the file: its item goes
            Assert.Equal(1, KernelRegistrations(ep));
            ep.Delete(fresh!);
            Assert.Equal(0, ep.Wait(events, 0));
            fresh!.Dispose();
            freshPeer!.Dispose();
        });
        output.WriteLine($"seed {StressSettings.Seed}: {count} rounds, {reusedRounds} with the number reused by the new socket");
    }
}

using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Ported;

/// <summary>Helpers shared by the tests ported from gVisor and LTP.</summary>
internal static class PortedSupport
{
    /// <summary>A bound for things that must happen (<see cref="Bounded.Limit"/>).</summary>
    internal static TimeSpan Generous => Bounded.Limit;

    /// <summary>Runs <paramref name="body"/> on a dedicated thread (blocking waits must not starve the pool).</summary>
    internal static Task<T> RunThread<T>(Func<T> body)
        => Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Runs <paramref name="body"/> on a dedicated thread.</summary>
    internal static Task RunThread(Action body)
        => Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>The engine instance behind an epoll descriptor (kept after the descriptor closes).</summary>
    internal static Eventpoll EngineOf(DescriptorTable table, int epfd) => Assert.IsType<Eventpoll>(EngineAccess.FileAt(table, epfd));

    /// <summary>The engine instance behind an <see cref="Epoll"/> handle.</summary>
    internal static Eventpoll EngineOf(Epoll ep) => EngineOf(ep.Table, ep.Fd);

    /// <summary>
    /// Waits until <paramref name="count"/> waiters are queued on <paramref name="ep"/>, i.e. blocked in a wait (a
    /// queued waiter is woken by any later event, so this is the point LTP's "process state S" check stands for);
    /// with a kernel side, the thread leading in the kernel counts too (<see cref="Os.OsWaits.Blocked"/>).
    /// Fails if one of <paramref name="waiters"/> finishes first or the generous bound passes.
    /// </summary>
    internal static async Task WaitUntilBlocked(Eventpoll ep, int count, params Task[] waiters)
    {
        DateTime deadline = DateTime.UtcNow + Generous;
        while (Os.OsWaits.Blocked(ep) < count)
        {
            foreach (Task t in waiters)
            {
                if (t.IsCompleted)
                {
                    await t; // surfaces an exception
                    Assert.Fail("a waiter returned before it was expected to block");
                }
            }
            Assert.True(DateTime.UtcNow < deadline, $"waiters did not block: {Os.OsWaits.Blocked(ep)} of {count}");
            await Task.Delay(1);
        }
    }

    /// <summary>Synchronous variant of <see cref="WaitUntilBlocked"/> for helper threads.</summary>
    internal static void SpinUntilBlocked(Eventpoll ep, int count)
    {
        if (!SpinWait.SpinUntil(() => Os.OsWaits.Blocked(ep) >= count, Generous))
        {
            throw new TimeoutException($"waiters did not block: {Os.OsWaits.Blocked(ep)} of {count}");
        }
    }

    /// <summary>
    /// LTP's check_epoll_ctl / epoll_wait01 loop: writes to the pipe's write end, then waits until exactly the
    /// expected events arrived — {read end, IN} and, if <paramref name="expectOut"/>, {write end, OUT} — with data
    /// = the descriptor and nothing else reported, then drains the pipe.
    /// </summary>
    internal static void ExpectPipeEvents(Posix px, int epfd, int[] pipe, bool expectOut)
        => ExpectPipeEvents(px, epfd, pipe, expectOut, (fd, data) => px.Write(fd, data), (fd, buffer) => px.Read(fd, buffer));

    /// <summary>The same, with the pipe written and read by <paramref name="writeTo"/> and <paramref name="readFrom"/> (an OS pipe's are the kernel's).</summary>
    internal static void ExpectPipeEvents(Posix px, int epfd, int[] pipe, bool expectOut, Func<int, byte[], long> writeTo, Func<int, byte[], long> readFrom)
    {
        byte[] write = "test\0"u8.ToArray();
        Assert.Equal(write.Length, writeTo(pipe[1], write));
        EpollEvents pending = EpollEvents.In | (expectOut ? EpollEvents.Out : EpollEvents.None);
        var res = new EpollEvent[2];
        while (pending != EpollEvents.None)
        {
            Array.Clear(res);
            int n = Bounded.Call(() => px.EpollWait(epfd, res, 2, -1), $"epoll_wait still waits for {pending} on the pipe");
            Assert.True(n > 0, $"epoll_wait returned {n}");
            int matched = 0;
            if ((pending & EpollEvents.In) != 0 && HasEvent(res, pipe[0], EpollEvents.In))
            {
                matched++;
                pending &= ~EpollEvents.In;
            }
            if ((pending & EpollEvents.Out) != 0 && HasEvent(res, pipe[1], EpollEvents.Out))
            {
                matched++;
                pending &= ~EpollEvents.Out;
            }
            Assert.True(n == matched, $"epoll_wait returned unexpected events: {string.Join(", ", res[..n])}");
        }
        Assert.Equal(write.Length, readFrom(pipe[0], new byte[write.Length]));
    }

    /// <summary>Whether <paramref name="evs"/> holds exactly {<paramref name="events"/>, data = <paramref name="fd"/>}.</summary>
    internal static bool HasEvent(ReadOnlySpan<EpollEvent> evs, int fd, EpollEvents events)
    {
        foreach (EpollEvent e in evs)
        {
            if (e.Data == (ulong)fd && e.Events == events) return true;
        }
        return false;
    }
}

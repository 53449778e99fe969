using Xunit;

namespace EventPoll.Tests.Ported;

/// <summary>Helpers shared by the tests ported from gVisor and LTP.</summary>
internal static class PortedSupport
{
    /// <summary>A bound for things that must happen, generous enough for a loaded 2-core machine.</summary>
    internal static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="body"/> on a dedicated thread (blocking waits must not starve the pool).</summary>
    internal static Task<T> RunThread<T>(Func<T> body)
        => Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Runs <paramref name="body"/> on a dedicated thread.</summary>
    internal static Task RunThread(Action body)
        => Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>The engine instance behind an epoll descriptor (kept after the descriptor closes).</summary>
    internal static Eventpoll EngineOf(DescriptorTable table, int epfd)
    {
        OpenFile? file = table.Pin(epfd);
        Assert.NotNull(file);
        try
        {
            return Assert.IsType<Eventpoll>(file);
        }
        finally
        {
            file.Release();
        }
    }

    /// <summary>The engine instance behind an <see cref="Epoll"/> handle.</summary>
    internal static Eventpoll EngineOf(Epoll ep) => EngineOf(ep.Table, ep.Fd);

    /// <summary>
    /// Waits until <paramref name="count"/> waiters are queued on <paramref name="ep"/>, i.e. blocked in a wait (a
    /// queued waiter is woken by any later event, so this is the point LTP's "process state S" check stands for).
    /// Fails if one of <paramref name="waiters"/> finishes first or the generous bound passes.
    /// </summary>
    internal static async Task WaitUntilBlocked(Eventpoll ep, int count, params Task[] waiters)
    {
        DateTime deadline = DateTime.UtcNow + Generous;
        while (ep.WaiterCount < count)
        {
            foreach (Task t in waiters)
            {
                if (t.IsCompleted)
                {
                    await t; // surfaces an exception
                    Assert.Fail("a waiter returned before it was expected to block");
                }
            }
            Assert.True(DateTime.UtcNow < deadline, $"waiters did not block: {ep.WaiterCount} of {count}");
            await Task.Delay(1);
        }
    }

    /// <summary>Synchronous variant of <see cref="WaitUntilBlocked"/> for helper threads.</summary>
    internal static void SpinUntilBlocked(Eventpoll ep, int count)
    {
        if (!SpinWait.SpinUntil(() => ep.WaiterCount >= count, Generous))
        {
            throw new TimeoutException($"waiters did not block: {ep.WaiterCount} of {count}");
        }
    }
}

using Xunit;

namespace EventPoll.Tests.Support;

/// <summary>
/// The bound on every blocking call a test makes: an event that never comes must fail the test with a message saying
/// what did not happen, never hang the run (xunit 2 has no test timeout). <see cref="Limit"/> is long enough for
/// anything that must happen on a loaded two-core machine, so reaching it means the awaited thing will not happen.
/// </summary>
internal static class Bounded
{
    /// <summary>How long a test waits for something that must happen.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    /// <summary>Spins (yielding, then sleeping briefly) until <paramref name="condition"/> holds; fails naming <paramref name="what"/>.</summary>
    public static void Until(Func<bool> condition, string what)
    {
        if (!SpinWait.SpinUntil(condition, Limit)) Assert.Fail($"not within {Limit.TotalSeconds} s: {what}");
    }

    /// <summary>Joins <paramref name="thread"/>; fails if it is still running after <see cref="Limit"/>.</summary>
    public static void Join(Thread thread, string what)
    {
        if (!thread.Join(Limit)) Assert.Fail($"thread {thread.Name ?? thread.ManagedThreadId.ToString(System.Globalization.CultureInfo.InvariantCulture)} still running after {Limit.TotalSeconds} s: {what}");
    }

    /// <summary>Joins every thread of <paramref name="threads"/> (see <see cref="Join(Thread, string)"/>).</summary>
    public static void Join(IEnumerable<Thread> threads, string what)
    {
        foreach (Thread t in threads) Join(t, what);
    }

    /// <summary>
    /// Makes a call that blocks until an event comes (an infinite epoll_wait, as the C original makes it) on a
    /// dedicated background thread and returns its result; fails after <see cref="Limit"/> instead of hanging the test
    /// thread. The call itself is unchanged, so an infinite timeout's own handling is still what runs.
    /// </summary>
    public static T Call<T>(Func<T> call, string what)
        => Result(Task.Factory.StartNew(call, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default), what);

    /// <summary>Blocks until <paramref name="task"/> completes and returns its result; fails after <see cref="Limit"/>.</summary>
    public static T Result<T>(Task<T> task, string what)
    {
        Wait(task, what);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Blocks until <paramref name="task"/> completes (rethrowing its exception); fails after <see cref="Limit"/>.</summary>
    public static void Wait(Task task, string what)
    {
        if (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(Limit)) Assert.Fail($"not within {Limit.TotalSeconds} s: {what}");
        task.GetAwaiter().GetResult();
    }

    /// <summary>Waits for <paramref name="signal"/> to be set; fails after <see cref="Limit"/>.</summary>
    public static void Wait(ManualResetEventSlim signal, string what)
    {
        if (!signal.Wait(Limit)) Assert.Fail($"not within {Limit.TotalSeconds} s: {what}");
    }

    /// <summary><see cref="Barrier.SignalAndWait()"/>; fails after <see cref="Limit"/> (a participant never arrived).</summary>
    public static void SignalAndWait(Barrier barrier, string what)
    {
        if (!barrier.SignalAndWait(Limit)) Assert.Fail($"not within {Limit.TotalSeconds} s: {what}");
    }

    /// <summary>Awaits <paramref name="task"/>; fails after <see cref="Limit"/>.</summary>
    public static async Task<T> Within<T>(Task<T> task, string what)
    {
        try
        {
            return await task.WaitAsync(Limit);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"not within {Limit.TotalSeconds} s: {what}");
            throw; // unreachable: Assert.Fail throws
        }
    }

    /// <summary>Awaits <paramref name="task"/>; fails after <see cref="Limit"/>.</summary>
    public static async Task Within(Task task, string what)
    {
        try
        {
            await task.WaitAsync(Limit);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"not within {Limit.TotalSeconds} s: {what}");
        }
    }
}

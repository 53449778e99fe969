using System.Diagnostics;
using System.Threading.Channels;
using EventPoll.Scenarios.Measurement;

namespace EventPoll.Scenarios.Scenarios;

/// <summary>
/// What a .NET user would write instead to wait on many in-process sources, against <see cref="Epoll.WaitAsync(Memory{EpollEvent}, CancellationToken)"/>.
/// Every round starts a wait on all N sources, signals one (round-robin), and awaits the result, checking that
/// the signalled source is the one reported. Task.WhenAny registers on and unregisters from all N tasks each
/// round; a Channel funnels every source into one reader (its cost does not depend on N); EventPoll keeps N
/// eventfds registered and only the ready one is visited.
/// </summary>
internal static class Alternatives
{
    internal const string Name = "alternatives";
    internal const string WhenAny = "Task.WhenAny", Channel = "Channel<T>", EventPollAsync = "Epoll.WaitAsync";
    internal static readonly int[] Sizes = [10, 1_000];

    internal static ScenarioResult Run(BenchOptions options)
    {
        var result = new ScenarioResult(Name, "Wait for one of N in-process sources, one signalled per round: ns per round");
        string[] methods = [EventPollAsync, WhenAny, Channel];
        foreach (int n in Sizes)
        {
            result.AddInterleaved(options, $"N={n}", Unit.NanosecondsPerOp, methods, e => Sample(methods[e], n, options.SampleDuration));
        }
        result.ComputeRatios(WhenAny);
        result.CompareWith([WhenAny, Channel]); // issue 17's bar: EventPoll within 2x of a Channel's hand-over
        result.Notes.Add("a round of Epoll.WaitAsync is a wait, an eventfd Signal and a Consume through their handles; Signal "
            + "and Consume are calls on descriptors (the handle's use count, the descriptor's pin, the counter's compare-and-swap), "
            + "and the pair alone measured 53-71 ns outside the bench, about a Channel round, so a round within 2x of a Channel "
            + "leaves the wait itself a Channel round's time");
        return result;
    }

    /// <summary>Rounds per second of <paramref name="method"/> over <paramref name="n"/> sources.</summary>
    internal static double Sample(string method, int n, TimeSpan duration) => method switch
    {
        WhenAny => RunWhenAny(n, duration).GetAwaiter().GetResult(),
        Channel => RunChannel(duration).GetAwaiter().GetResult(),
        _ => RunEventPoll(n, duration).GetAwaiter().GetResult(),
    };

    private static async Task<double> RunWhenAny(int n, TimeSpan duration)
    {
        var sources = new TaskCompletionSource[n];
        var tasks = new Task[n];
        for (int i = 0; i < n; i++) tasks[i] = (sources[i] = new TaskCompletionSource()).Task;
        return await Rounds(duration, async k =>
        {
            int i = k % n;
            Task<Task> any = Task.WhenAny(tasks);
            sources[i].SetResult();
            if (await any.ConfigureAwait(false) != tasks[i]) throw new InvalidOperationException("WhenAny reported another source");
            tasks[i] = (sources[i] = new TaskCompletionSource()).Task; // a completed task cannot be waited on again
        }).ConfigureAwait(false);
    }

    private static async Task<double> RunChannel(TimeSpan duration)
    {
        var channel = System.Threading.Channels.Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });
        return await Rounds(duration, async k =>
        {
            ValueTask<int> read = channel.Reader.ReadAsync();
            if (!channel.Writer.TryWrite(k)) throw new InvalidOperationException("the channel refused a write");
            if (await read.ConfigureAwait(false) != k) throw new InvalidOperationException("the channel returned another source");
        }).ConfigureAwait(false);
    }

    private static async Task<double> RunEventPoll(int n, TimeSpan duration)
    {
        var table = new DescriptorTable(limit: n + 16); // n sources and the instance, whatever this process's ulimit -n is
        using var epoll = new Epoll(table, new WatchAccount(n + 16));
        var sources = new EventFd[n];
        for (int i = 0; i < n; i++)
        {
            sources[i] = new EventFd(table: table);
            epoll.Add(sources[i], EpollEvents.In, (ulong)i);
        }
        var events = new EpollEvent[1];
        try
        {
            return await Rounds(duration, async k =>
            {
                int i = k % n;
                ValueTask<int> wait = epoll.WaitAsync(events);
                sources[i].Signal();
                if (await wait.ConfigureAwait(false) != 1 || events[0].Data != (ulong)i) throw new InvalidOperationException("WaitAsync reported another source");
                sources[i].Consume();
            }).ConfigureAwait(false);
        }
        finally
        {
            foreach (EventFd s in sources) s.Dispose();
        }
    }

    /// <summary>Warms up, then runs rounds for <paramref name="duration"/>; returns rounds per second.</summary>
    private static async Task<double> Rounds(TimeSpan duration, Func<int, ValueTask> round)
    {
        int k = 0;
        for (int i = 0; i < 256; i++) await round(k++).ConfigureAwait(false);
        long rounds = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            for (int i = 0; i < 64; i++) await round(k++).ConfigureAwait(false);
            rounds += 64;
        }
        while (clock.Elapsed < duration);
        return rounds / clock.Elapsed.TotalSeconds;
    }
}

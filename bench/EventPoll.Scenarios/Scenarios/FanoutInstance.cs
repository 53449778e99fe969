using EventPoll.Scenarios.Api;
using EventPoll.Scenarios.Measurement;

namespace EventPoll.Scenarios.Scenarios;

/// <summary>
/// An epoll instance watching N eventfds (level-triggered IN) of which only the last is signalled, so every
/// wait returns exactly that one item. It is built once and sampled many times: building a million watches
/// takes longer than measuring them.
/// </summary>
internal sealed class FanoutInstance : IDisposable
{
    private readonly int _ep;
    private readonly List<int> _fds;
    private readonly EpollEvent[] _events = new EpollEvent[64];

    internal FanoutInstance(EpollApi api, int n)
    {
        Api = api;
        _ep = (int)EpollApi.Check(api.CreateEpoll(), "epoll_create");
        _fds = new List<int>(n);
        try
        {
            for (int i = 0; i < n; i++)
            {
                _fds.Add((int)EpollApi.Check(api.CreateEventFd(), "eventfd"));
                EpollApi.Check(api.Ctl(_ep, (int)EpollOp.Add, _fds[i], EpollEvents.In, (ulong)i), "ADD");
            }
            EpollApi.Check(api.Signal(_fds[^1]), "write");
        }
        catch
        {
            Dispose(); // the caller never gets the instance, so nothing else would close what was opened
            throw;
        }
    }

    /// <summary>The API (and so the descriptor table) the instance and its eventfds were opened through.</summary>
    internal EpollApi Api { get; }

    /// <summary>Times waits for <paramref name="duration"/>; returns ns per wait.</summary>
    internal double Sample(TimeSpan duration) => 1e9 / Sampler.Throughput(() =>
    {
        for (int i = 0; i < Sampler.BatchSize; i++)
        {
            int got = Api.Wait(_ep, _events, _events.Length, 0);
            if (got != 1 || _events[0].Data != (ulong)(_fds.Count - 1)) throw new InvalidOperationException($"epoll_wait returned {got} events, expected the one ready item");
        }
    }, duration);

    public void Dispose()
    {
        Api.Close(_ep); // first, so the kernel's closes below need not unlink a million items one by one
        foreach (int fd in _fds) Api.Close(fd);
    }
}

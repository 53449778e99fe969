using EventPoll.Tests.Rules;
using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The POSIX face's own small rules (Api/Posix.cs, Posix.Sources.cs): the flags timerfd_create takes, a read or write
/// result of 0, and epoll_pwait2's null timeout. Mutation testing found each unpinned; the mutant is noted beside each.
/// </summary>
public class PosixFaceMutationTests
{
    private readonly World _w = new();

    // `~(O_NONBLOCK | O_CLOEXEC)` turned into `~(O_NONBLOCK & O_CLOEXEC)`: every flag refused.
    [Fact]
    public void TimerFdCreate_TakesNonblockAndCloexec_AndRefusesAnyOtherFlag()
    {
        Assert.True(_w.Px.TimerFdCreate(Posix.CLOCK_MONOTONIC, Posix.O_NONBLOCK) >= 0, $"O_NONBLOCK: {Posix.Errno}");
        Assert.True(_w.Px.TimerFdCreate(Posix.CLOCK_MONOTONIC, Posix.O_CLOEXEC | Posix.O_NONBLOCK) >= 0, $"both: {Posix.Errno}");
        Assert.Equal(-1, _w.Px.TimerFdCreate(Posix.CLOCK_MONOTONIC, 1));
        Assert.Equal(Errno.EINVAL, Posix.Errno);
    }

    // Result(long)'s `value < 0` turned into `<= 0`: a read at end of file, or an empty write, reported as a failure.
    [Fact]
    public void AReadAtEndOfFile_AndAnEmptyWrite_ReturnZero()
    {
        Span<int> pipe = stackalloc int[2];
        Assert.Equal(0, _w.Px.Pipe2(pipe, 0));
        Assert.Equal(0, _w.Px.Write(pipe[1], ReadOnlySpan<byte>.Empty));
        Assert.Equal(0, _w.Px.Close(pipe[1]));
        Assert.Equal(0, _w.Px.Read(pipe[0], new byte[1]));
    }

    // The null timeout's -1 turned into +1: a wait of 1 ms. The wait must still be blocked well after it would have
    // ended; a wait that ends by itself fails the bound (on the correct code nothing but the event can end it).
    [Fact]
    public async Task Pwait2WithANullTimeout_BlocksUntilAnEventComes()
    {
        int ep = _w.Create();
        int efd = _w.EventFd();
        Assert.Equal(Errno.None, _w.Add(ep, efd, EpollEvents.In, 5));
        var events = new EpollEvent[1];
        Task<int> wait = Task.Factory.StartNew(() => _w.Px.EpollPwait2(ep, events, 1, null), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.NotSame(wait, await Task.WhenAny(wait, Task.Delay(200))); // else the wait without a timeout ended with nothing ready
        Assert.Equal(8, _w.Px.Write(efd, BitConverter.GetBytes(1ul)));
        Assert.Equal(1, await Bounded.Within(wait, "the event did not end the wait"));
        Assert.Equal(new EpollEvent(EpollEvents.In, 5), events[0]);
    }
}

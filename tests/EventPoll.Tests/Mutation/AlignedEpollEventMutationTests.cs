using EventPoll.Interop;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The 16-byte <c>struct epoll_event</c> of the ABIs that align its data word (Interop/AlignedEpollEvent.cs). The epoll
/// wrappers copy through it only where <see cref="LinuxSyscalls.EpollEventLayoutMatches"/> is false, never on x86-64,
/// so its per-thread buffer is checked here directly: mutation testing found it unreached.
/// </summary>
public sealed class AlignedEpollEventMutationTests
{
    /// <summary>Runs <paramref name="body"/> on a new thread, whose buffer is not made yet.</summary>
    private static void OnANewThread(Action body)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                body();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null) throw new Xunit.Sdk.XunitException($"on the new thread: {failure}");
    }

    [Fact]
    public void AThreadsFirstBuffer_HoldsSixtyFourEntries_AndIsKeptForEveryLengthUpToThat()
    {
        OnANewThread(() =>
        {
            AlignedEpollEvent[] first = AlignedEpollEvent.Buffer(1);
            Assert.Equal(64, first.Length);
            Assert.Same(first, AlignedEpollEvent.Buffer(64));
            Assert.Same(first, AlignedEpollEvent.Buffer(0));
        });
    }

    [Fact]
    public void ALongerLength_GetsABufferOfThatLength_WhichIsKeptFromThen()
    {
        OnANewThread(() =>
        {
            AlignedEpollEvent[] first = AlignedEpollEvent.Buffer(64);
            AlignedEpollEvent[] longer = AlignedEpollEvent.Buffer(65);
            Assert.Equal(65, longer.Length);
            Assert.NotSame(first, longer);
            Assert.Same(longer, AlignedEpollEvent.Buffer(2));
        });
    }

    [Fact]
    public void EachThread_HasABufferOfItsOwn()
    {
        AlignedEpollEvent[] mine = AlignedEpollEvent.Buffer(1);
        AlignedEpollEvent[]? theirs = null;
        OnANewThread(() => theirs = AlignedEpollEvent.Buffer(1));
        Assert.NotSame(mine, theirs);
        Assert.Same(mine, AlignedEpollEvent.Buffer(1));
    }
}

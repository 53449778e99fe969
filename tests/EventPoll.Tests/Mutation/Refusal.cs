using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>The whole of a refusal as the caller sees it: the errno and the message that carries the recorded sentence.</summary>
internal static class Refusal
{
    /// <summary>Asserts that <paramref name="call"/> throws an <see cref="EpollException"/> with <paramref name="errno"/> and exactly <paramref name="message"/>.</summary>
    public static void Assert(Errno errno, string message, Action call)
    {
        EpollException e = Xunit.Assert.Throws<EpollException>(call);
        Xunit.Assert.Equal(errno, e.Errno);
        Xunit.Assert.Equal(message, e.Message);
    }
}

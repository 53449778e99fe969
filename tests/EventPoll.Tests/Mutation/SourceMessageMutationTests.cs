using EventPoll.Tests.Rules;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The sentences the sources record for their EINVAL answers, which <see cref="EpollException"/> carries to the caller:
/// each names the call that was refused. Mutation testing found them unpinned (an emptied call name survived).
/// </summary>
public class SourceMessageMutationTests
{
    private readonly World _w = new();

    [Fact]
    public void AShortEventFdWrite_SaysItIsAWriteThatNeedsEightBytes()
    {
        using var efd = new EventFd(table: _w.Table);
        EpollException e = Assert.Throws<EpollException>(() => efd.Write(new byte[7]));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Equal($"EINVAL: an eventfd write needs a buffer of at least 8 bytes, got 7 (write, fd {efd.Fd})", e.Message);
    }
}

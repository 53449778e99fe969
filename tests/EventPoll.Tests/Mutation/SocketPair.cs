namespace EventPoll.Tests.Mutation;

/// <summary>A Unix stream socket pair in a test's table, both ends closed together.</summary>
internal sealed class SocketPair : IDisposable
{
    internal SocketPair(DescriptorTable table) => (A, B) = UnixSocketPair.Create(table);

    internal SocketHandle A { get; }

    internal SocketHandle B { get; }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }
}

namespace EventPoll.Tests.Support;

/// <summary>
/// Base for test classes that open handles: each test class instance has its own descriptor table, and every
/// handle passed through <see cref="Own{T}"/> is closed (newest first) when the test ends.
/// </summary>
public abstract class HandleOwner : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    /// <summary>This test's descriptor table.</summary>
    private protected DescriptorTable Table { get; } = new();

    /// <summary>Registers <paramref name="handle"/> to be closed at the end of the test.</summary>
    private protected T Own<T>(T handle) where T : IDisposable
    {
        _owned.Add(handle);
        return handle;
    }

    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
        GC.SuppressFinalize(this);
    }
}

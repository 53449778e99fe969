using CustomSource;
using Xunit;

namespace EventPoll.Tests.Sources;

/// <summary>
/// The extension point: <see cref="ReadyFlag"/> (examples/CustomSource) is compiled in an assembly that sees only the
/// library's public API, and an <see cref="Epoll"/> watches it like any built-in source.
/// </summary>
public class CustomSourceTests
{
    private readonly DescriptorTable _table = new(64);
    private readonly WatchAccount _account = new(100);
    private readonly EpollEvent[] _events = new EpollEvent[4];

    [Fact]
    public void LevelTriggered_ReportedWhileSet_NotAfterClear()
    {
        var flag = new ReadyFlag();
        using var epoll = new Epoll(_table, _account);
        using DescriptorHandle handle = DescriptorHandle.Open(flag, _table);
        epoll.Add(handle, EpollEvents.In, data: 5);
        Assert.Equal(0, epoll.Wait(_events, timeoutMs: 0));

        flag.Set();
        Assert.Equal(EpollEvents.In | EpollEvents.RdNorm, handle.Poll());
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(1, epoll.Wait(_events, timeoutMs: 0));
            Assert.Equal(new EpollEvent(EpollEvents.In, 5), _events[0]);
        }

        flag.Clear();
        Assert.Equal(0, epoll.Wait(_events, timeoutMs: 0));
    }

    [Fact]
    public void EdgeTriggered_ReportedOncePerSet()
    {
        var flag = new ReadyFlag();
        using var epoll = new Epoll(_table, _account);
        using DescriptorHandle handle = DescriptorHandle.Open(flag, _table);
        epoll.Add(handle, EpollEvents.In | EpollEvents.EdgeTriggered, data: 6);

        flag.Set();
        Assert.Equal(1, epoll.Wait(_events, timeoutMs: 0));
        Assert.Equal(new EpollEvent(EpollEvents.In, 6), _events[0]);
        flag.Set(); // already set: no edge
        Assert.Equal(0, epoll.Wait(_events, timeoutMs: 0));

        flag.Clear();
        flag.Set();
        Assert.Equal(1, epoll.Wait(_events, timeoutMs: 0));
    }

    [Fact]
    public async Task PendingWait_CompletedBySetOnAnotherThread()
    {
        var flag = new ReadyFlag();
        using var epoll = new Epoll(_table, _account);
        using DescriptorHandle handle = DescriptorHandle.Open(flag, _table);
        epoll.Add(handle, EpollEvents.In, data: 8);

        ValueTask<int> wait = epoll.WaitAsync(_events, TimeSpan.FromSeconds(10));
        Assert.False(wait.IsCompleted);
        await Task.Run(flag.Set);
        Assert.Equal(1, await wait);
        Assert.Equal(8ul, _events[0].Data);
    }

    [Fact]
    public void DisposingTheLastHandle_ReleasesTheFileAndItsWatch()
    {
        var flag = new ReadyFlag();
        using var epoll = new Epoll(_table, _account);
        DescriptorHandle handle = DescriptorHandle.Open(flag, _table);
        epoll.Add(handle, EpollEvents.In);
        DescriptorHandle dup = handle.Duplicate();
        Assert.Equal(1, _account.Watches);

        handle.Dispose();
        Assert.False(flag.IsReleased); // the duplicate still refers to it
        dup.Dispose();

        Assert.True(flag.IsReleased);
        Assert.Equal(0, _account.Watches);
        Assert.Equal("", epoll.GetFdInfo());
        flag.Set();
        Assert.Equal(0, epoll.Wait(_events, timeoutMs: 0));
        Assert.Equal([epoll.Fd], _table.OpenDescriptors());
    }

    [Fact]
    public void Open_SecondTime_Throws_AndAFullTable_ReleasesTheFile()
    {
        var flag = new ReadyFlag();
        using (DescriptorHandle.Open(flag, _table))
        {
            Assert.Throws<InvalidOperationException>(() => DescriptorHandle.Open(flag, _table));
        }

        var unlucky = new ReadyFlag();
        var full = new DescriptorTable(0);
        Assert.Equal(Errno.EMFILE, Assert.Throws<EpollException>(() => DescriptorHandle.Open(unlucky, full)).Errno);
        Assert.True(unlucky.IsReleased);
    }
}

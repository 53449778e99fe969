using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The handle API's contract with its callers (Api/): argument checks naming the parameter, the text that names a
/// handle, SafeHandle's reference rules for a handle disposed twice or with a call in flight, and finalization
/// suppressed by Dispose. Mutation testing found each unpinned; the mutant each test fails on is noted beside it.
/// </summary>
public class HandleContractMutationTests
{
    private readonly DescriptorTable _table = new(limit: 8);

    // Every ArgumentNullException.ThrowIfNull removed: the call then fails later, with a NullReferenceException.
    [Fact]
    public void NullArguments_AreRefusedNamingTheParameter()
    {
        using var epoll = new Epoll(_table);
        Assert.Equal("table", Assert.Throws<ArgumentNullException>(() =>
        {
            var made = new DescriptorHandle(null!, 0);
            GC.SuppressFinalize(made); // only without the check: its finalizer would close descriptor 0 of no table
        }).ParamName);
        Assert.Equal("file", Assert.Throws<ArgumentNullException>(() => DescriptorHandle.Open(null!, _table)).ParamName);
        Assert.Equal("target", Assert.Throws<ArgumentNullException>(() => epoll.Add((FileHandle)null!, EpollEvents.In)).ParamName);
        Assert.Equal("osHandle", Assert.Throws<ArgumentNullException>(() => epoll.Add((SafeHandle)null!, EpollEvents.In)).ParamName);
        Assert.Equal("socket", Assert.Throws<ArgumentNullException>(() => epoll.Add((Socket)null!, EpollEvents.In)).ParamName);
    }

    // The other-table check had no coverage (removed; its message emptied).
    [Fact]
    public void ATargetOfAnotherTable_IsRefusedNamingTheParameter()
    {
        using var epoll = new Epoll(_table);
        using var elsewhere = new EventFd(table: new DescriptorTable(limit: 1));
        ArgumentException e = Assert.Throws<ArgumentException>(() => epoll.Add(elsewhere, EpollEvents.In));
        Assert.Equal("target", e.ParamName);
        Assert.Equal("The descriptor belongs to another descriptor table. (Parameter 'target')", e.Message);
    }

    // Open's message emptied.
    [Fact]
    public void OpeningAFileTwice_SaysToDuplicateItsDescriptor()
    {
        var file = new FakeFile();
        using DescriptorHandle first = DescriptorHandle.Open(file, _table);
        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => DescriptorHandle.Open(file, _table));
        Assert.Equal("FakeFile was opened before; duplicate its descriptor instead", e.Message);
    }

    // ToString emptied: it is also the ObjectDisposedException's object name.
    [Fact]
    public void AHandle_NamesItsTypeAndDescriptor_AlsoWhenDisposed()
    {
        var efd = new EventFd(table: _table);
        Assert.Equal($"EventFd(fd {efd.Fd})", efd.ToString());
        efd.Dispose();
        Assert.Equal($"EventFd(fd {efd.Fd})", Assert.Throws<ObjectDisposedException>(() => efd.Signal()).ObjectName);
    }

    // Dispose's early return for a handle closed before removed: the second Dispose drops a reference it no longer
    // owns, the call's, and closes the descriptor under the call.
    [Fact]
    public void ASecondDispose_DuringACallInFlight_LeavesTheDescriptorToTheCall()
    {
        var efd = new EventFd(table: _table);
        FileHandle.Use call = efd.Enter();
        efd.Dispose();
        efd.Dispose();
        Assert.Equal([efd.Fd], _table.OpenDescriptors());
        call.Dispose();
        Assert.Empty(_table.OpenDescriptors());
    }

    // GC.SuppressFinalize removed. A weak reference that tracks resurrection outlives a collection while the object
    // still waits for its finalizer; with finalization suppressed, one collection frees the disposed handle.
    [Fact]
    public void Dispose_SuppressesFinalization()
    {
        WeakReference weak = DisposedHandle(_table);
        GC.Collect();
        Assert.False(weak.IsAlive);
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // so no local of the test keeps the handle reachable
    private static WeakReference DisposedHandle(DescriptorTable table)
    {
        var efd = new EventFd(table: table);
        efd.Dispose();
        return new WeakReference(efd, trackResurrection: true);
    }

    // CtlOs's `held = false` turned to true: a refused DangerousAddRef is then released anyway, dropping a reference the
    // call never took. A handle set invalid (closed while its owner's reference remains) refuses the AddRef; the extra
    // release takes its owner's reference, and the owner's Dispose then finds none left (ObjectDisposedException).
    [Fact]
    public void AddOfAClosedOsHandle_TakesNoReferenceAndDropsNone()
    {
        using var epoll = new Epoll(_table);
        var os = new CountingHandle();
        os.SetHandleAsInvalid();
        Assert.Throws<ObjectDisposedException>(() => epoll.Add(os, EpollEvents.In));
        os.Dispose(); // drops the owner's reference, still there
        Assert.Equal(0, os.Releases); // an invalidated handle is never released
    }

    /// <summary>A SafeHandle that only counts its releases (no OS descriptor: the call fails before using it).</summary>
    private sealed class CountingHandle() : SafeHandle(IntPtr.Zero, ownsHandle: true)
    {
        public int Releases { get; private set; }

        public override bool IsInvalid => false;

        protected override bool ReleaseHandle()
        {
            Releases++;
            return true;
        }
    }
}

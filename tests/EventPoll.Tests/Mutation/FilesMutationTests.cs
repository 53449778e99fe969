using System.Reflection;
using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The file layer's small rules (Files/): event equality and text, the defaults a file or wait entry gets without
/// overriding them, the file reference count's edge cases and deferred releases. Each test fails on the mutant noted
/// beside it.
/// </summary>
public class FilesMutationTests
{
    // EpollEvent.Equals: `&&` turned into `||` calls two events equal when either field matches.
    [Fact]
    public void EpollEvent_IsEqualOnlyWhenBothFieldsAre()
    {
        var e = new EpollEvent(EpollEvents.In, 7);
        Assert.True(e == new EpollEvent(EpollEvents.In, 7));
        Assert.False(e == new EpollEvent(EpollEvents.In, 8));
        Assert.False(e == new EpollEvent(EpollEvents.Out, 7));
        Assert.True(e != new EpollEvent(EpollEvents.In, 8)); // `!=` without its `!` would answer false
        Assert.False(e != new EpollEvent(EpollEvents.In, 7));
    }

    // EpollEvent.ToString: the string emptied.
    [Fact]
    public void EpollEvent_PrintsItsEventsAndData()
        => Assert.Equal("(In, Out,42)", new EpollEvent(EpollEvents.In | EpollEvents.Out, 42).ToString());

    // OpenFile.Read and .Write: the default sentences emptied.
    [Fact]
    public void AFileWithoutReadOrWrite_RefusesThemWithEinvalNamingItsType()
    {
        var table = new DescriptorTable();
        using DescriptorHandle handle = DescriptorHandle.Open(new FakeFile(), table);
        Refusal.Assert(Errno.EINVAL, $"EINVAL: FakeFile cannot be read (read, fd {handle.Fd})", () => handle.Read(new byte[8]));
        Refusal.Assert(Errno.EINVAL, $"EINVAL: FakeFile cannot be written (write, fd {handle.Fd})", () => handle.Write(new byte[8]));
    }

    // OpenFile.TryPin: `return false` turned into `return true` pins a released file.
    [Fact]
    public void TryPin_FailsOnAReleasedFile_AndLeavesItInTheDeadZone()
    {
        var file = new FakeFile();
        file.Release();
        Assert.True(file.IsReleased);
        int dead = Refs(file);

        Assert.False(file.TryPin());
        Assert.False(file.TryPin());
        Assert.True(file.IsReleased);
        // Without the reset each failed pin would move the count one step toward "alive"; a billion of them would get there.
        Assert.Equal(dead, Refs(file));
    }

    // OpenFile.TryPin: `prior >= NoRef` turned into `>`: a pin that lands between the last release's decrement and its
    // claim of the file must take the file back (file_ref_get against file_ref_put's failed cmpxchg).
    [Fact]
    public void TryPin_BetweenTheLastDecrementAndTheClaim_TakesTheFileBack()
    {
        var file = new CountingFile();
        RefsField.SetValue(file, -1); // NoRef: the last reference's decrement has happened, its claim not yet
        Assert.True(file.TryPin());
        Assert.False(file.IsReleased);
        Assert.Equal(0, file.Releases);
        file.Release(); // the pin's own release is now the last one and tears the file down
        Assert.True(file.IsReleased);
        Assert.Equal(1, file.Releases);
    }

    // DeferredRelease.Run: `t_pending ??= []` turned into `t_pending = []` keeps only the last deferred release.
    [Fact]
    public void ReleasesDeferredInsideTheEngine_AllRunWhenTheThreadLeavesIt()
    {
        var files = new[] { new CountingFile(), new CountingFile(), new CountingFile() };
        OpenFile.DeferredRelease.Enter();
        try
        {
            foreach (CountingFile file in files) file.Release();
            Assert.All(files, f => Assert.Equal(0, f.Releases));
        }
        finally
        {
            OpenFile.DeferredRelease.Exit();
        }
        Assert.All(files, f => Assert.Equal(1, f.Releases));
    }

    // WaitEntry.Exclusive: a default of true would stop a wakeup at the first entry that consumes it.
    [Fact]
    public void AWaitEntryIsNotExclusiveUnlessItSaysSo()
    {
        var queue = new WaitQueue();
        var first = new PlainEntry(queue);
        var second = new PlainEntry(queue);
        queue.Add(first);
        queue.Add(second);
        queue.Wake(EpollEvents.In);
        Assert.Equal(1, first.Wakes);
        Assert.Equal(1, second.Wakes);
    }

    // WaitEntry.WakesWithoutLock: a default of true would run a user's callback without the queue's lock.
    [Fact]
    public void ASoleEntryThatDidNotOptIn_IsWokenUnderTheQueuesLock()
    {
        var queue = new WaitQueue();
        var entry = new PlainEntry(queue);
        queue.Add(entry);
        queue.WakeSoleWithoutLock(EpollEvents.In);
        Assert.Equal(1, entry.Wakes);
        Assert.True(entry.WokenUnderLock);
    }

    // WaitQueue.Remove: `return false` turned into `return true` for an entry queued elsewhere, or nowhere.
    [Fact]
    public void Remove_OfAnEntryNotOnThisQueue_AnswersFalseAndLeavesItWhereItIs()
    {
        var queue = new WaitQueue();
        var other = new WaitQueue();
        var entry = new PlainEntry(other);
        Assert.False(queue.Remove(entry));
        other.Add(entry);
        Assert.False(queue.Remove(entry));
        Assert.Same(other, entry.Queue);
        Assert.True(other.Remove(entry));
        Assert.False(other.Remove(entry));
    }

    private static readonly FieldInfo RefsField =
        typeof(OpenFile).GetField("_refs", BindingFlags.NonPublic | BindingFlags.Instance)!;

    private static int Refs(OpenFile file) => (int)RefsField.GetValue(file)!;

    /// <summary>A file that counts its own releases.</summary>
    private sealed class CountingFile : OpenFile
    {
        public int Releases;

        public override EpollEvents Poll(PollTable? table) => EpollEvents.None;

        protected override void OnRelease() => Releases++;
    }

    /// <summary>A wait entry with every default: records its wakeups and whether the queue's lock was held.</summary>
    private sealed class PlainEntry(WaitQueue queue) : WaitEntry
    {
        public int Wakes;
        public bool WokenUnderLock;

        protected internal override bool OnWake(EpollEvents key)
        {
            Wakes++;
            WokenUnderLock = queue.SyncRoot.IsHeldByCurrentThread;
            return true;
        }
    }

    /// <summary>
    /// File ids come from per-thread blocks of the shared counter: the first file of each new thread takes a fresh
    /// block, so two threads' first files never share an id, and a thread's next files follow its first.
    /// </summary>
    [Fact]
    public void TheFirstFilesOfTwoNewThreads_HaveDistinctIds_AndEachThreadsNextFileFollowsItsFirst()
    {
        long[] ids = new long[4];
        var threads = new[] { 0, 1 }.Select(t => new Thread(() =>
        {
            ids[2 * t] = new EventFdFile(0, semaphore: false).Id;
            ids[2 * t + 1] = new EventFdFile(0, semaphore: false).Id;
        })).ToArray();
        foreach (Thread thread in threads) thread.Start();
        foreach (Thread thread in threads) Bounded.Join(thread, "a thread makes its two files");
        Assert.NotEqual(ids[0], ids[2]);
        Assert.Equal(ids[0] + 1, ids[1]);
        Assert.Equal(ids[2] + 1, ids[3]);
    }
}

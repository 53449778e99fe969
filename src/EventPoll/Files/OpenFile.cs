using System.Diagnostics;

namespace EventPoll;

/// <summary>
/// An open file description (Linux: <c>struct file</c>): the object descriptors point at, with a reference
/// count, a poll method, and the list of epoll items that watch it.
/// </summary>
/// <remarks>
/// <para>A source of your own (the extension point): derive from this class, keep a <see cref="WaitQueue"/>, and
/// implement <see cref="Poll"/> to register that queue with the table (<c>table?.Register(queue)</c>) and then return
/// the current readiness. Whenever the readiness may have changed, change the state first (under a lock of your own, or
/// with an interlocked operation) and then call <see cref="WaitQueue.Wake"/> with the bits that became ready. Install
/// the file with <see cref="DescriptorHandle.Open"/>, and watch the returned handle with an <see cref="Epoll"/>;
/// disposing the handle closes the descriptor, and when the file's last descriptor is closed its watches are removed
/// and <see cref="OnRelease"/> runs. The engine's edge-triggered and one-shot modes need nothing more from a source:
/// each wakeup is a possible edge, and the engine re-polls to learn the state.</para>
/// <para>Reference counting: each descriptor holds one reference; <c>TryPin</c> takes a temporary one for a
/// call through a descriptor (Linux: fdget / file_ref_get, which fails once the count has reached zero). When the
/// last reference goes, every epoll item watching the file is removed from its instance (eventpoll_release_file,
/// which takes each instance's interest lock) and then <see cref="OnRelease"/> runs (the file's own release). So an
/// instance that polls a watched file under its interest lock needs no reference of its own (where Linux takes one
/// with epi_fget): the file cannot reach its release until that lock is left. A release that would happen while the thread is
/// inside the engine is deferred until it leaves (the kernel defers the final fput to task_work likewise).</para>
/// <para>Locking: <c>LockWatchers</c> takes the kernel's <c>f_lock</c>, a spin lock: it protects
/// <c>FirstWatcher</c> and each watcher's file links and <c>Dying</c> flag, for a few instructions at a
/// time, and nothing is taken under it. Sources keep their own state under a different lock (their
/// <c>WaitQueue.SyncRoot</c>).</para>
/// </remarks>
public abstract class OpenFile
{
    private static long s_nextId; // atomic: the last id handed out in a block
    [ThreadStatic] private static long t_nextId, t_idLimit; // this thread's block of ids: [t_nextId, t_idLimit)
    private const int IdBlock = 1024;
    // The reference count minus one, after Linux's file_ref: OneRef (0) and up = alive, NoRef (-1) = the last
    // reference was just dropped, anything below = released (the dead zone). Pins take one atomic add and never
    // retry, which matters when many threads pin the same file. Atomic.
    private int _refs = OneRef;

    private const int OneRef = 0, NoRef = -1, Dead = int.MinValue / 2;

    internal EpItem? FirstWatcher; // under f_lock: the items that watch this file (Linux: file->f_ep)

    // Linux: f_lock. A spin lock without owner tracking: its sections are a handful of pointer updates, and a
    // parking lock object per file would cost an allocation per file.
    private SpinLock _fLock = new(enableThreadOwnerTracking: false);

    private int _opened; // atomic: 1 once DescriptorHandle.Open installed the file (its creator's reference is then spent)

    /// <summary>Creates a file holding one reference, owned by the creator.</summary>
    protected OpenFile()
    {
        Id = NextId();
    }

    /// <summary>
    /// A process-unique number, increasing in creation order on each thread; orders files the way struct file
    /// addresses order the kernel's tree (arbitrarily across threads).
    /// </summary>
    internal long Id { get; }

    /// <summary>
    /// The next id from this thread's block, taking a new block from the shared counter when it runs out (as
    /// Linux's get_next_ino batches per CPU): threads that create files concurrently do not share a cache line.
    /// </summary>
    private static long NextId()
    {
        if (t_nextId == t_idLimit)
        {
            t_idLimit = Interlocked.Add(ref s_nextId, IdBlock) + 1;
            t_nextId = t_idLimit - IdBlock;
        }
        return t_nextId++;
    }

    /// <summary>Whether the file can be polled (Linux: file_can_poll). Adding one that cannot fails with EPERM.</summary>
    internal virtual bool CanPoll => true;

    /// <summary>The inode number shown in fdinfo (<c>ino:</c>).</summary>
    internal virtual ulong Inode => 0;

    /// <summary>The superblock device number shown in fdinfo (<c>sdev:</c>).</summary>
    internal virtual uint DeviceId => 0;

    /// <summary>The file position shown in fdinfo (<c>pos:</c>).</summary>
    internal virtual long Position => 0;

    /// <summary>Whether the last reference is gone.</summary>
    internal bool IsReleased => Volatile.Read(ref _refs) < NoRef;

    /// <summary>Current reference count (descriptors plus pins), for tests and diagnostics.</summary>
    internal int ReferenceCount => Math.Max(Volatile.Read(ref _refs) + 1, 0);

    /// <summary>
    /// Returns the file's current readiness. If <paramref name="table"/> is given, first registers it on each
    /// wait queue the readiness depends on, so the caller hears about every later change.
    /// </summary>
    /// <remarks>
    /// Register before reading the state: a change made after the read then wakes the registered queue, so none is
    /// missed. The engine calls this from any thread, under its own locks, whenever it needs the readiness (on ADD and
    /// MOD, and on each harvest of a ready item): it must be quick, and must not block, throw, or make epoll calls.
    /// </remarks>
    public abstract EpollEvents Poll(PollTable? table);

    /// <summary>
    /// Whether <see cref="Poll"/> is known never to drop a file reference (true for the built-in leaf sources).
    /// Any other poll may run code that closes a descriptor, so the engine defers final releases around it.
    /// </summary>
    internal virtual bool PollReleasesNothing => false;

    /// <summary>Reads into <paramref name="buffer"/>: bytes read, or <c>-errno</c>.</summary>
    internal virtual long Read(Span<byte> buffer) => Failure.Of(Errno.EINVAL, $"{GetType().Name} cannot be read");

    /// <summary>Writes <paramref name="data"/>: bytes written, or <c>-errno</c>.</summary>
    internal virtual long Write(ReadOnlySpan<byte> data) => Failure.Of(Errno.EINVAL, $"{GetType().Name} cannot be written");

    /// <summary>Shuts down part of a socket (0 = read, 1 = write, 2 = both): 0 or <c>-errno</c>.</summary>
    /// <remarks>Records no sentence: only the POSIX face can shut down a file that is not a socket, and it reports errno alone.</remarks>
    internal virtual int Shutdown(int how) => -(int)Errno.ENOTSOCK;

    /// <summary>
    /// The file's own release, run once after the last reference is gone and its watchers are removed (its last
    /// descriptor closed). Must not throw.
    /// </summary>
    protected virtual void OnRelease() { }

    /// <summary>Whether some thread holds f_lock (for assertions).</summary>
    internal bool WatchersLocked => _fLock.IsHeld;

    /// <summary>Takes f_lock, which guards the watcher list, for a <c>using</c> block.</summary>
    internal WatcherLock LockWatchers()
    {
        bool taken = false;
        _fLock.Enter(ref taken);
        return new WatcherLock(this);
    }

    /// <summary>Holds a file's f_lock until disposed.</summary>
    internal readonly ref struct WatcherLock(OpenFile file)
    {
        public void Dispose() => file._fLock.Exit(useMemoryBarrier: false);
    }

    /// <summary>
    /// Claims the creator's reference for <see cref="DescriptorHandle.Open"/>: false if it was claimed before, since a
    /// file is installed by its creator once and then shared by duplicating its descriptor.
    /// </summary>
    internal bool ClaimForOpen() => Interlocked.Exchange(ref _opened, 1) == 0 && !IsReleased;

    /// <summary>Takes one more reference; the caller must already hold one.</summary>
    internal void AddRef()
    {
        // Stryker disable once Arithmetic : `prior` feeds only the Debug.Assert below
        int prior = Interlocked.Increment(ref _refs) - 1;
        // Stryker disable once Statement,String : a removed Debug.Assert, or its message emptied
        Debug.Assert(prior >= OneRef, "AddRef on a file without references; use TryPin");
    }

    /// <summary>
    /// Takes a reference unless the file is already released (Linux: file_ref_get). A pin that lands between
    /// the last release's decrement and its claim of the file (NoRef) takes the file back: that release then
    /// leaves the teardown to this pin's own release, as file_ref_put's failed cmpxchg does.
    /// </summary>
    internal bool TryPin()
    {
        int prior = Interlocked.Increment(ref _refs) - 1;
        if (prior >= NoRef) return true;
        Volatile.Write(ref _refs, Dead); // keep failed pins from drifting out of the dead zone
        return false;
    }

    /// <summary>Drops a reference; the last one releases the file (now, or when the thread leaves the engine).</summary>
    internal void Release()
    {
        int refs = Interlocked.Decrement(ref _refs);
        if (refs >= OneRef) return;
        Debug.Assert(refs == NoRef, "reference count went negative");
        // Claim the teardown unless a concurrent pin took the file back in the meantime.
        if (Interlocked.CompareExchange(ref _refs, Dead, NoRef) == NoRef) DeferredRelease.Run(this);
    }

    /// <summary>Final teardown: eventpoll_release_file, then the file's own release.</summary>
    internal void ReleaseNow()
    {
        // Stryker disable once Statement : a removed Debug.Assert
        Debug.Assert(IsReleased);
        EpItem.RemoveAllWatchers(this);
        OnRelease();
    }

    /// <summary>
    /// Defers final releases while a thread is inside the engine (holding an instance lock), so that a
    /// release never re-enters an instance in the middle of a scan. Linux reaches the same end by running
    /// the final fput from task_work on the way back to user space.
    /// </summary>
    internal static class DeferredRelease
    {
        [ThreadStatic] private static int t_depth;
        [ThreadStatic] private static List<OpenFile>? t_pending;

        /// <summary>Marks entry into a region where releases must wait.</summary>
        internal static void Enter() => t_depth++;

        /// <summary>Leaves the region; the outermost exit runs the releases that piled up.</summary>
        internal static void Exit()
        {
            Debug.Assert(t_depth > 0);
            if (--t_depth != 0 || t_pending is not { Count: > 0 } pending) return;
            t_pending = null;
            foreach (OpenFile file in pending) file.ReleaseNow();
        }

        internal static void Run(OpenFile file)
        {
            if (t_depth == 0)
            {
                file.ReleaseNow();
                return;
            }
            (t_pending ??= []).Add(file);
        }
    }
}

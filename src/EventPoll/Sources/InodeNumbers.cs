namespace EventPoll;

/// <summary>
/// Inode and device numbers shown in fdinfo, shaped like Linux's: every anon-inode file (eventfd, timerfd,
/// epoll) shares the single anon inode of the anon_inodefs superblock, while pipes and sockets each get a
/// fresh number from the one global counter (Linux: get_next_ino) on their pseudo filesystem.
/// </summary>
/// <remarks>The constants are the values observed on the reference 6.18 machine.</remarks>
internal static class InodeNumbers
{
    /// <summary>The one inode all anon-inode files share (Linux: anon_inode_inode).</summary>
    internal const ulong AnonInode = 1038;

    /// <summary>The anon_inodefs superblock device.</summary>
    internal const uint AnonDevice = 0x10;

    /// <summary>The pipefs superblock device.</summary>
    internal const uint PipeFsDevice = 0xf;

    /// <summary>The sockfs superblock device.</summary>
    internal const uint SockFsDevice = 0x9;

    /// <summary>The device of the in-memory filesystem that holds <see cref="RegularFile"/>s.</summary>
    internal const uint RegularFsDevice = 0x2a;

    private static long s_next = 8000;

    /// <summary>A fresh inode number (Linux: get_next_ino), shared by pipes, sockets and regular files.</summary>
    internal static ulong Next() => (ulong)Interlocked.Increment(ref s_next);
}

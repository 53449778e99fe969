using System.Runtime.InteropServices;

namespace EventPoll.Interop;

/// <summary>
/// An io_uring whose one request is a multishot poll (IORING_OP_POLL_ADD with IORING_POLL_ADD_MULTI, POLLIN) of a kernel
/// epoll: every wakeup of that epoll's poll wait queue posts a completion into the ring, which is mapped into this
/// process, so whether the epoll was woken since the last look is a memory load, not a system call. It lets an
/// instance's fairness turn (<see cref="KernelPoller.TurnFindsNothing"/>) tell that the kernel has nothing for it.
/// </summary>
/// <remarks>
/// <para>Raw system calls (io_uring_setup 425, io_uring_enter 426: the same numbers on x86-64 and in the generic table
/// arm64 uses), the rings mapped once (IORING_FEAT_SINGLE_MMAP, Linux 5.4) and the layouts of
/// include/uapi/linux/io_uring.h read at the offsets the kernel reports, so both ABIs are right by construction. Two
/// submission entries (a poll's removal and its successor go in one io_uring_enter), eight completion entries. No
/// SQPOLL: no thread, the kernel's or ours.</para>
/// <para>A completion counts only if it carries the current poll's user data (<c>_generation</c>): completions of an
/// earlier poll (its -ECANCELED after a removal) and of removals (user data 0) are stale. The current poll has ended
/// when its completion lacks IORING_CQE_F_MORE (a full completion ring ends a multishot; so does the exit of the thread
/// that armed it, and a wakeup that came from an io_uring) or the ring overflowed (the kernel then holds that last
/// completion back until the next io_uring_enter).</para>
/// <para>Not thread-safe: the owner (<see cref="KernelPoller"/>) lets one thread at a time use it. The owner closes it
/// before the epoll it polls, so the request's reference does not keep that epoll alive.</para>
/// </remarks>
internal sealed unsafe partial class ReadinessRing
{
    private const long SysIoUringSetup = 425, SysIoUringEnter = 426;
    private const uint SetupCqSize = 1u << 3, FeatSingleMmap = 1u << 0, EnterGetEvents = 1u << 0;
    private const uint SqCqOverflow = 1u << 1, CqeFMore = 1u << 1;
    private const byte OpPollAdd = 6, OpPollRemove = 7;
    private const uint PollAddMulti = 1u << 0, PollIn = 0x1;
    private const int ProtReadWrite = 0x3, MapShared = 0x1, MapPopulate = 0x8000;
    private const long OffSqRing = 0, OffSqes = 0x10000000;
    private const int SqEntries = 2, CqEntries = 8, SqeSize = 64, CqeSize = 16;
    private const int Ecanceled = 125;

    private readonly int _ringFd;        // owned: closed by Close
    private readonly byte* _rings;       // the SQ and CQ rings, one mapping of _ringsLength bytes; unmapped by Close
    private readonly nuint _ringsLength;
    private readonly byte* _sqes;        // the submission entries, a mapping of _sqesLength bytes
    private readonly nuint _sqesLength;
    private readonly uint* _sqTail, _sqFlags, _sqArray, _cqHead, _cqTail;
    private readonly uint _sqMask, _cqMask;
    private readonly byte* _cqes;
    private ulong _generation;           // the current poll's user data (0 before the first; removals use 0)
    private long _systemCalls;           // every system call made for the ring, creation included

    private ReadinessRing(int ringFd, byte* rings, nuint ringsLength, byte* sqes, nuint sqesLength, in Params p)
    {
        _ringFd = ringFd;
        _rings = rings;
        _ringsLength = ringsLength;
        _sqes = sqes;
        _sqesLength = sqesLength;
        _sqTail = (uint*)(rings + p.SqOff.Tail);
        _sqFlags = (uint*)(rings + p.SqOff.Flags);
        _sqArray = (uint*)(rings + p.SqOff.Array);
        _sqMask = *(uint*)(rings + p.SqOff.RingMask);
        _cqHead = (uint*)(rings + p.CqOff.Head);
        _cqTail = (uint*)(rings + p.CqOff.Tail);
        _cqMask = *(uint*)(rings + p.CqOff.RingMask);
        _cqes = rings + p.CqOff.Cqes;
        _systemCalls = 3; // io_uring_setup and the two mappings
    }

    /// <summary>Whether a poll is in force: armed and not seen to end.</summary>
    internal bool Armed { get; private set; }

    /// <summary>The managed thread that armed the current poll: its completions are posted from that thread's task work.</summary>
    internal int ArmedBy { get; private set; }

    /// <summary>
    /// The errno of a poll that ended in error other than a cancellation (EINVAL: a kernel before 5.13, without multishot
    /// polls) or of an io_uring_enter that failed: the ring is no use. 0 otherwise.
    /// </summary>
    internal int Failed { get; private set; }

    /// <summary>System calls made for the ring so far (setup, mappings, io_uring_enter).</summary>
    internal long SystemCalls => Volatile.Read(ref _systemCalls);

    /// <summary>The ring's descriptor (tests read the kernel's account of the ring in its /proc fdinfo).</summary>
    internal int Descriptor => _ringFd;

    /// <summary>
    /// Makes a ring: 0 and the ring, or <c>-errno</c> with nothing left open (ENOSYS before Linux 5.1, EPERM from a
    /// seccomp filter or /proc/sys/kernel/io_uring_disabled, ENOMEM under a small RLIMIT_MEMLOCK before 5.12, EOPNOTSUPP
    /// without IORING_FEAT_SINGLE_MMAP, before 5.4).
    /// </summary>
    internal static int Create(out ReadinessRing? ring)
    {
        ring = null;
        Params p = default;
        p.CqEntries = CqEntries;
        p.Flags = SetupCqSize;
        long fd = Syscall(SysIoUringSetup, SqEntries, &p);
        if (fd < 0) return -Marshal.GetLastPInvokeError();
        int ringFd = (int)fd;
        // Stryker disable once Bitwise : differs only on Linux 5.1 to 5.3; every kernel since 5.4 sets the feature
        if ((p.Features & FeatSingleMmap) == 0)
        {
            // Stryker disable once Statement : Linux 5.1 to 5.3 only; every later kernel sets the feature
            LinuxSyscalls.Close(ringFd);
            return -(int)Errno.EOPNOTSUPP; // io_uring without IORING_FEAT_SINGLE_MMAP (Linux before 5.4)
        }
        // The rings take a few hundred bytes (200 on Linux 6.18), well inside one page: mmap and munmap round every
        // length up to whole pages, so any length from 1 to a page maps and unmaps the same page.
        // Stryker disable once Arithmetic : a wrong end of the SQ array (184 or 0 bytes for 200) leaves a length within that page
        nuint sqRingEnd = p.SqOff.Array + p.SqEntries * sizeof(uint);
        nuint cqRingEnd = p.CqOff.Cqes + p.CqEntries * CqeSize;
        // Stryker disable once Linq : either end lies within the one page the rings take, which any length within it maps
        nuint ringsLength = Math.Max(sqRingEnd, cqRingEnd);
        nuint sqesLength = p.SqEntries * SqeSize;
        byte* rings = Map(ringsLength, ringFd, OffSqRing);
        byte* sqes = rings is null ? null : Map(sqesLength, ringFd, OffSqes);
        if (sqes is null)
        {
            int error = Marshal.GetLastPInvokeError();
            if (rings is not null) Unmap(rings, ringsLength);
            LinuxSyscalls.Close(ringFd);
            return -error;
        }
        ring = new ReadinessRing(ringFd, rings, ringsLength, sqes, sqesLength, in p);
        return 0;
    }

    /// <summary>
    /// Arms a new multishot poll of <paramref name="epfd"/>, removing the current one in the same io_uring_enter. The
    /// kernel polls the epoll as it arms, so readiness from here on posts a completion, readiness already there included.
    /// 0 or <c>-errno</c> (the poll is then not armed and <see cref="Failed"/> says why). Consumes completions pending,
    /// and flushes an overflow.
    /// </summary>
    internal int Arm(int epfd)
    {
        Consume();
        uint tail = *_sqTail;
        uint submitted = 0;
        // Stryker disable once Arithmetic,Unary : submitted is 0 here (tail - 0 is tail + 0); IORING_OP_POLL_REMOVE reads no fd
        if (_generation != 0) Prepare(tail + submitted++, OpPollRemove, fd: -1, addr: _generation, len: 0, events: 0, userData: 0);
        // Stryker disable once Arithmetic : generations need only be distinct and nonzero; counting down from 2^64 - 1 gives as many
        ulong generation = _generation + 1;
        // Stryker disable once Arithmetic : the submission ring has two entries (mask 1), so tail - 1 and tail + 1 name the same one
        Prepare(tail + submitted++, OpPollAdd, epfd, addr: 0, len: PollAddMulti, events: PollIn, userData: generation);
        Volatile.Write(ref *_sqTail, tail + submitted); // release: the entries are written before the kernel sees them
        _systemCalls++;
        // GETEVENTS with no minimum returns at once, having flushed the completions an overflow held back.
        long entered = Syscall(SysIoUringEnter, _ringFd, submitted, 0, EnterGetEvents, null, 0);
        if (entered != submitted)
        {
            // Entries left in the submission ring would be submitted with the next ones: give the ring up instead.
            Failed = entered < 0 ? Marshal.GetLastPInvokeError() : (int)Errno.ENOMEM;
            return -Failed;
        }
        _generation = generation;
        Armed = true;
        ArmedBy = Environment.CurrentManagedThreadId;
        return 0;
    }

    private void Prepare(uint at, byte opcode, int fd, ulong addr, uint len, uint events, ulong userData)
    {
        uint index = at & _sqMask;
        byte* sqe = _sqes + index * SqeSize;
        // Stryker disable once Statement : the fields below are all either opcode reads; the others stay zero as the kernel mapped them, since nothing writes them
        new Span<byte>(sqe, SqeSize).Clear();
        sqe[0] = opcode;                 // opcode (u8), flags (u8) 0, ioprio (u16) 0
        *(int*)(sqe + 4) = fd;           // fd (s32)
        *(ulong*)(sqe + 16) = addr;      // addr: the user data of the poll to remove
        *(uint*)(sqe + 24) = len;        // len: IORING_POLL_ADD_MULTI for a poll
        *(uint*)(sqe + 28) = events;     // poll32_events (little-endian on both ABIs)
        *(ulong*)(sqe + 32) = userData;  // user_data
        _sqArray[index] = index;
    }

    /// <summary>
    /// Whether the current poll is armed and posted nothing since the last <see cref="Consume"/>: then the epoll's wait
    /// queue was not woken since. Stale completions found on the way are consumed.
    /// </summary>
    internal bool Quiet()
    {
        if (!Armed || (Volatile.Read(ref *_sqFlags) & SqCqOverflow) != 0) return false;
        uint head = *_cqHead, tail = Volatile.Read(ref *_cqTail); // acquire: the entries are read after the tail
        for (; head != tail; head++)
        {
            if (CompletionAt(head).UserData == _generation) return false;
        }
        Volatile.Write(ref *_cqHead, head);
        return true;
    }

    /// <summary>Consumes every completion posted, noting whether the current poll ended.</summary>
    internal void Consume()
    {
        uint head = *_cqHead, tail = Volatile.Read(ref *_cqTail);
        for (; head != tail; head++)
        {
            Completion c = CompletionAt(head);
            if (c.UserData != _generation || (c.Flags & CqeFMore) != 0) continue;
            Armed = false;
            if (c.Result < 0 && c.Result != -Ecanceled) Failed = -c.Result;
        }
        Volatile.Write(ref *_cqHead, tail); // release: the entries were read before the kernel may reuse them
        if ((Volatile.Read(ref *_sqFlags) & SqCqOverflow) != 0) Armed = false; // the poll's last completion is held back
    }

    private Completion CompletionAt(uint at) => *(Completion*)(_cqes + (at & _cqMask) * CqeSize);

    /// <summary>Closes the ring (the kernel cancels the poll and drops its reference to the epoll) and unmaps it.</summary>
    internal void Close()
    {
        Unmap(_sqes, _sqesLength);
        Unmap(_rings, _ringsLength);
        LinuxSyscalls.Close(_ringFd);
    }

    private static byte* Map(nuint length, int fd, long offset)
    {
        void* p = NativeMmap(null, length, ProtReadWrite, MapShared | MapPopulate, fd, offset);
        return p == (void*)-1 ? null : (byte*)p;
    }

    private static void Unmap(byte* p, nuint length) => NativeMunmap(p, length);

    /// <summary>struct io_uring_cqe (16 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct Completion
    {
        internal readonly ulong UserData;
        internal readonly int Result;
        internal readonly uint Flags;
    }

    /// <summary>struct io_sqring_offsets (40 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct SqOffsets
    {
        internal uint Head, Tail, RingMask, RingEntries, Flags, Dropped, Array, Resv1;
        internal ulong UserAddr;
    }

    /// <summary>struct io_cqring_offsets (40 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct CqOffsets
    {
        internal uint Head, Tail, RingMask, RingEntries, Overflow, Cqes, Flags, Resv1;
        internal ulong UserAddr;
    }

    /// <summary>struct io_uring_params (120 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Params
    {
        internal uint SqEntries, CqEntries, Flags, SqThreadCpu, SqThreadIdle, Features, WqFd, Resv0, Resv1, Resv2;
        internal SqOffsets SqOff;
        internal CqOffsets CqOff;
    }

    // syscall(2) is variadic in C; on the 64-bit Linux ABIs its integer and pointer arguments travel as in a plain call.
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, uint entries, Params* p);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, int fd, uint toSubmit, uint minComplete, uint flags, void* arg, nuint argSize);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* NativeMmap(void* addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int NativeMunmap(void* addr, nuint length);
}

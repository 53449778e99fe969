using System.Runtime.InteropServices;

namespace EventPoll.Interop;

/// <summary>
/// The kernel's <c>struct epoll_event</c> where it is not packed: on every Linux ABI but x86 (32 and 64-bit) the
/// 64-bit data word is aligned to 8 bytes, so the struct is 16 bytes (arm64, riscv64, ppc64le, s390x, arm).
/// <see cref="EpollEvent"/> is the packed 12-byte layout; where that is not the kernel's
/// (<see cref="LinuxSyscalls.EpollEventLayoutMatches"/> false), epoll calls go through this type and copy, so the
/// layout is right by construction rather than by a check that refuses.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct AlignedEpollEvent
{
    internal uint Events;
    internal ulong Data; // natural alignment: offset 8, as the C compiler lays it out on these ABIs

    internal AlignedEpollEvent(EpollEvent e)
    {
        Events = (uint)e.Events;
        Data = e.Data;
    }

    internal readonly EpollEvent ToEpollEvent() => new((EpollEvents)Events, Data);

    [ThreadStatic] private static AlignedEpollEvent[]? t_buffer;

    /// <summary>This thread's buffer of at least <paramref name="length"/> entries (kept, so steady-state waits allocate nothing).</summary>
    internal static AlignedEpollEvent[] Buffer(int length)
    {
        AlignedEpollEvent[]? buffer = t_buffer;
        if (buffer is null || buffer.Length < length) t_buffer = buffer = new AlignedEpollEvent[Math.Max(length, 64)];
        return buffer;
    }

    /// <summary>Copies <paramref name="count"/> kernel-written entries back into the caller's events.</summary>
    internal static void CopyOut(ReadOnlySpan<AlignedEpollEvent> from, Span<EpollEvent> to, int count)
    {
        for (int i = 0; i < count; i++) to[i] = from[i].ToEpollEvent();
    }
}

using System.Runtime.InteropServices;

namespace EventPoll;

/// <summary>
/// Readiness and registration flags, bit for bit the values of Linux's <c>include/uapi/linux/eventpoll.h</c>.
/// </summary>
[Flags]
public enum EpollEvents : uint
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>EPOLLIN: data can be read.</summary>
    In = 0x1,
    /// <summary>EPOLLPRI: an exceptional condition (urgent data).</summary>
    Pri = 0x2,
    /// <summary>EPOLLOUT: data can be written.</summary>
    Out = 0x4,
    /// <summary>EPOLLERR: an error condition; always reported, never needs to be asked for.</summary>
    Err = 0x8,
    /// <summary>EPOLLHUP: hang-up; always reported, never needs to be asked for.</summary>
    Hup = 0x10,
    /// <summary>EPOLLNVAL: invalid descriptor (poll(2) only).</summary>
    Nval = 0x20,
    /// <summary>EPOLLRDNORM: normal data can be read.</summary>
    RdNorm = 0x40,
    /// <summary>EPOLLRDBAND: priority data can be read.</summary>
    RdBand = 0x80,
    /// <summary>EPOLLWRNORM: normal data can be written.</summary>
    WrNorm = 0x100,
    /// <summary>EPOLLWRBAND: priority data can be written.</summary>
    WrBand = 0x200,
    /// <summary>EPOLLMSG: unused by Linux.</summary>
    Msg = 0x400,
    /// <summary>EPOLLRDHUP: the peer shut down its writing half.</summary>
    RdHup = 0x2000,
    /// <summary>EPOLLEXCLUSIVE: wake one of the instances that registered exclusively (ADD only).</summary>
    Exclusive = 1u << 28,
    /// <summary>EPOLLWAKEUP: keep the system awake; silently ignored, as Linux does for callers without CAP_BLOCK_SUSPEND.</summary>
    Wakeup = 1u << 29,
    /// <summary>EPOLLONESHOT: report once, then stay disabled until re-armed with MOD.</summary>
    OneShot = 1u << 30,
    /// <summary>EPOLLET: edge-triggered: report on each wakeup of the file, not while it stays ready.</summary>
    EdgeTriggered = 1u << 31,
}

/// <summary>
/// One reported event: <c>struct epoll_event</c>. Packed to 12 bytes as on x86-64 Linux, so a span of these
/// can be handed to the kernel's epoll_wait unchanged.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
public struct EpollEvent : IEquatable<EpollEvent>
{
    /// <summary>The ready events (or, for registration, the requested ones).</summary>
    public EpollEvents Events;

    /// <summary>The caller's 64-bit cookie given at registration.</summary>
    public ulong Data;

    /// <summary>Creates an event.</summary>
    public EpollEvent(EpollEvents events, ulong data)
    {
        Events = events;
        Data = data;
    }

    /// <inheritdoc />
    public readonly bool Equals(EpollEvent other) => Events == other.Events && Data == other.Data;

    /// <inheritdoc />
    public override readonly bool Equals(object? obj) => obj is EpollEvent e && Equals(e);

    /// <inheritdoc />
    public override readonly int GetHashCode() => HashCode.Combine(Events, Data);

    /// <summary>Compares two events field by field.</summary>
    public static bool operator ==(EpollEvent left, EpollEvent right) => left.Equals(right);

    /// <summary>Compares two events field by field.</summary>
    public static bool operator !=(EpollEvent left, EpollEvent right) => !left.Equals(right);

    /// <inheritdoc />
    public override readonly string ToString() => $"({Events},{Data})";
}

using EventPoll.Interop;
using EventPoll.Scenarios.Api;
using Microsoft.Win32.SafeHandles;

namespace EventPoll.Scenarios.Os;

/// <summary>
/// A real (OS) eventfd, as the os scenario's descriptors are: made, signalled and consumed with plain system calls,
/// the same for every design, so only the design's own calls differ between them.
/// </summary>
internal static class OsEventFd
{
    private static readonly byte[] s_one = BitConverter.GetBytes(1UL);

    /// <summary>A non-blocking eventfd with counter 0, owned by the returned handle.</summary>
    internal static SafeFileHandle Create() =>
        new((nint)EpollApi.Check(LinuxSyscalls.EventFd(0, Posix.O_NONBLOCK | Posix.O_CLOEXEC), "eventfd"), ownsHandle: true);

    /// <summary>write(2) of the u64 1.</summary>
    internal static void Signal(SafeFileHandle efd) => EpollApi.Check(LinuxSyscalls.Write(Fd(efd), s_one), "write");

    /// <summary>read(2) of the counter, which must be non-zero.</summary>
    internal static void Consume(SafeFileHandle efd)
    {
        Span<byte> value = stackalloc byte[sizeof(ulong)];
        EpollApi.Check(LinuxSyscalls.Read(Fd(efd), value), "read");
    }

    /// <summary>The descriptor number (the bench owns every handle for as long as it uses the number).</summary>
    internal static int Fd(SafeFileHandle efd) => (int)efd.DangerousGetHandle();
}

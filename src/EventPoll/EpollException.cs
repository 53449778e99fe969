using System.Diagnostics.CodeAnalysis;

namespace EventPoll;

/// <summary>
/// A failed EventPoll call. <see cref="Errno"/> is the Linux errno the same call would fail with; the message
/// starts with its name, says which rule was broken, and ends with the call and the descriptor at fault (for
/// example <c>EEXIST: this file is already registered under this descriptor (epoll_ctl ADD, fd 5)</c>).
/// </summary>
public sealed class EpollException : IOException
{
    /// <summary>The Linux errno of the failure.</summary>
    public Errno Errno { get; }

    /// <summary>Creates an exception for <paramref name="errno"/> with an explaining sentence.</summary>
    public EpollException(Errno errno, string sentence)
        : base($"{errno}: {sentence}", -(int)errno)
    {
        Errno = errno;
    }

    /// <summary>Creates an exception for <paramref name="errno"/> with the default sentence.</summary>
    public EpollException(Errno errno) : this(errno, Describe(errno)) { }

    /// <summary>Creates an EINVAL exception (for serializers and analyzers; prefer the errno overloads).</summary>
    public EpollException() : this(Errno.EINVAL) { }

    /// <summary>Creates an EINVAL exception with a message.</summary>
    public EpollException(string message) : this(Errno.EINVAL, message) { }

    /// <summary>Creates an EINVAL exception with a message and an inner exception (the message and HResult as the others make them).</summary>
    public EpollException(string message, Exception innerException) : base($"{Errno.EINVAL}: {message}", innerException)
    {
        Errno = Errno.EINVAL;
        HResult = -(int)Errno.EINVAL;
    }

    /// <summary>
    /// Throws for a negative result (<c>-errno</c>) and passes other values through. The message names the
    /// rule the engine recorded (<see cref="Failure"/>), then the call and the descriptor at fault:
    /// <c>EINVAL: EPOLLEXCLUSIVE cannot be combined with EPOLLONESHOT (epoll_ctl ADD, fd 5)</c>.
    /// </summary>
    internal static long Check(long result, string call, int fd) => result < 0 ? Throw((Errno)(-result), call, fd) : result;

    /// <summary>Throws an <see cref="EpollException"/> for <paramref name="errno"/> from <paramref name="call"/> on <paramref name="fd"/> (none if negative).</summary>
    [DoesNotReturn]
    internal static long Throw(Errno errno, string call, int fd) => throw For(errno, call, fd);

    /// <summary>The exception for <paramref name="errno"/> from <paramref name="call"/> on <paramref name="fd"/>, with the recorded reason.</summary>
    internal static EpollException For(Errno errno, string call, int fd)
        => new(errno, $"{Failure.Take(errno) ?? Describe(errno)} ({call}{(fd >= 0 ? $", fd {fd}" : "")})");

    /// <summary>The default sentence for an errno.</summary>
    public static string Describe(Errno errno) => errno switch
    {
        Errno.EPERM => "the target file does not support polling",
        Errno.ENOENT => "the descriptor is not registered with this instance",
        Errno.EINTR => "the wait was interrupted (cancelled) before any event arrived",
        Errno.EBADF => "the descriptor is not open",
        Errno.EAGAIN => "the operation would block",
        Errno.EFAULT => "no event structure was supplied",
        Errno.EEXIST => "the descriptor is already registered with this instance",
        Errno.EINVAL => "invalid argument",
        Errno.EMFILE => "the descriptor table is full",
        Errno.ENOSPC => "the per-user limit on epoll watches (max_user_watches) is reached",
        Errno.EPIPE => "no reader is left on the other end",
        Errno.ELOOP => "the registration would create a cycle or nest epoll instances too deeply",
        Errno.ENOTSOCK => "the descriptor is not a socket",
        Errno.ECONNRESET => "the peer closed the connection with unread data",
        Errno.ENOTCONN => "the socket is not connected",
        Errno.EACCES => "permission denied",
        Errno.EADDRINUSE => "the address is already in use",
        Errno.EADDRNOTAVAIL => "the address is not available on this machine",
        _ => "the operation failed",
    };
}

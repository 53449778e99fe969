namespace EventPoll;

/// <summary>
/// Why a call failed. The engine answers like the kernel, with <c>-errno</c>, and records beside it one
/// sentence naming the rule that was broken. The handle API puts that sentence into its
/// <see cref="EpollException"/>; the POSIX facade ignores it, since C's callers get only errno.
/// </summary>
/// <remarks>
/// The sentence lives in thread-static storage keyed by its errno, so it costs nothing on success and the
/// call's return value stays a plain int. A reader takes it only for the same errno, and taking clears it,
/// so a sentence left behind by a failure nobody explained cannot be mistaken for a later failure's unless
/// that failure has the same errno and records nothing itself. Sites that fail with EAGAIN record nothing:
/// EAGAIN is an expected answer on hot paths, and the handle that asked knows what would have blocked. Nor do those
/// that no caller can explain: EINTR of a cancelled wait (the handle API throws <see cref="OperationCanceledException"/>
/// instead), and the failures only the POSIX facade can reach: EINVAL for an unknown epoll_ctl op, ENOTSOCK for a
/// shutdown of a file that is not a socket, EFAULT for a missing epoll_event or a buffer shorter than maxevents, EBADF
/// for an OS ctl's epoll number, and the refusals of fcntl(F_DUPFD) and dup2 (a number outside the limit, EBUSY). Nor do
/// the readiness ring's refusals: the kernel side only counts them and waits with epoll_wait instead.
/// </remarks>
internal static class Failure
{
    [ThreadStatic] private static Errno t_errno;
    [ThreadStatic] private static string? t_reason;

    /// <summary>Records <paramref name="reason"/> and returns <c>-errno</c>, for <c>return Failure.Of(...)</c>.</summary>
    internal static int Of(Errno errno, string reason)
    {
        t_errno = errno;
        t_reason = reason;
        return -(int)errno;
    }

    /// <summary>The sentence recorded for <paramref name="errno"/> on this thread, or null; clears what was recorded.</summary>
    internal static string? Take(Errno errno)
    {
        string? reason = t_errno == errno ? t_reason : null;
        t_errno = Errno.None;
        t_reason = null;
        return reason;
    }
}

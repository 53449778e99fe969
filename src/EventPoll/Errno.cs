namespace EventPoll;

/// <summary>Linux errno values (x86-64 numbering) that EventPoll can report.</summary>
#pragma warning disable CA1707 // the names are the Linux ones on purpose
public enum Errno
{
    /// <summary>No error.</summary>
    None = 0,
    /// <summary>Operation not permitted (the target cannot be polled).</summary>
    EPERM = 1,
    /// <summary>No such entry (not registered).</summary>
    ENOENT = 2,
    /// <summary>Interrupted (the wait was cancelled).</summary>
    EINTR = 4,
    /// <summary>Bad file descriptor.</summary>
    EBADF = 9,
    /// <summary>Try again: the operation would block.</summary>
    EAGAIN = 11,
    /// <summary>Out of memory.</summary>
    ENOMEM = 12,
    /// <summary>Bad address.</summary>
    EFAULT = 14,
    /// <summary>Permission denied (a port below 1024 without the capability to bind it).</summary>
    EACCES = 13,
    /// <summary>dup2 onto a number another call has reserved but not yet filled.</summary>
    EBUSY = 16,
    /// <summary>Already registered.</summary>
    EEXIST = 17,
    /// <summary>Invalid argument.</summary>
    EINVAL = 22,
    /// <summary>Too many open files in this descriptor table.</summary>
    EMFILE = 24,
    /// <summary>Not a terminal / unsupported ioctl.</summary>
    ENOTTY = 25,
    /// <summary>No space: the per-user watch limit is reached.</summary>
    ENOSPC = 28,
    /// <summary>Broken pipe: no reader is left.</summary>
    EPIPE = 32,
    /// <summary>Too many levels of nesting, or a cycle.</summary>
    ELOOP = 40,
    /// <summary>Not a socket.</summary>
    ENOTSOCK = 88,
    /// <summary>Operation not supported.</summary>
    EOPNOTSUPP = 95,
    /// <summary>The address is in use (another socket listens on it without SO_REUSEPORT).</summary>
    EADDRINUSE = 98,
    /// <summary>The address is not one of this machine's.</summary>
    EADDRNOTAVAIL = 99,
    /// <summary>Connection reset by peer.</summary>
    ECONNRESET = 104,
    /// <summary>Transport endpoint is not connected.</summary>
    ENOTCONN = 107,
}
#pragma warning restore CA1707

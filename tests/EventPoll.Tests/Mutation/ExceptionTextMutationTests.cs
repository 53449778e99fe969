using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// <see cref="EpollException"/>'s own texts: the default sentence of each errno (<see cref="EpollException.Describe"/>,
/// which the errno-only constructor and a failure with no recorded sentence use) and the HResult, <c>-errno</c>.
/// Mutation testing found the sentences without coverage and the HResult's sign unpinned.
/// </summary>
public class ExceptionTextMutationTests
{
    // Each sentence emptied; the default arm's too (ENOMEM and EBUSY have no sentence of their own).
    [Theory]
    [InlineData(Errno.EPERM, "the target file does not support polling")]
    [InlineData(Errno.ENOENT, "the descriptor is not registered with this instance")]
    [InlineData(Errno.EINTR, "the wait was interrupted (cancelled) before any event arrived")]
    [InlineData(Errno.EBADF, "the descriptor is not open")]
    [InlineData(Errno.EAGAIN, "the operation would block")]
    [InlineData(Errno.EFAULT, "no event structure was supplied")]
    [InlineData(Errno.EEXIST, "the descriptor is already registered with this instance")]
    [InlineData(Errno.EINVAL, "invalid argument")]
    [InlineData(Errno.EMFILE, "the descriptor table is full")]
    [InlineData(Errno.ENOSPC, "the per-user limit on epoll watches (max_user_watches) is reached")]
    [InlineData(Errno.EPIPE, "no reader is left on the other end")]
    [InlineData(Errno.ELOOP, "the registration would create a cycle or nest epoll instances too deeply")]
    [InlineData(Errno.ENOTSOCK, "the descriptor is not a socket")]
    [InlineData(Errno.ECONNRESET, "the peer closed the connection with unread data")]
    [InlineData(Errno.ENOTCONN, "the socket is not connected")]
    [InlineData(Errno.EACCES, "permission denied")]
    [InlineData(Errno.EADDRINUSE, "the address is already in use")]
    [InlineData(Errno.EADDRNOTAVAIL, "the address is not available on this machine")]
    [InlineData(Errno.ENOMEM, "the operation failed")]
    [InlineData(Errno.EBUSY, "the operation failed")]
    public void TheErrnoOnlyConstructor_SaysTheErrnosDefaultSentence_WithHResultMinusErrno(Errno errno, string sentence)
    {
        Assert.Equal(sentence, EpollException.Describe(errno));
        var e = new EpollException(errno);
        Assert.Equal(errno, e.Errno);
        Assert.Equal($"{errno}: {sentence}", e.Message);
        Assert.Equal(-(int)errno, e.HResult);
    }

    // The one place the engine leaves a failure unexplained on the handle API's path: EAGAIN of a read or write
    // (Failure's remarks), which Read and Write throw with the default sentence.
    [Fact]
    public void ReadAndWriteThatWouldBlock_SayTheOperationWouldBlock_NamingTheCall()
    {
        (DescriptorHandle reader, DescriptorHandle writer) = Pipe.Create(new DescriptorTable(limit: 2));
        using (reader)
        using (writer)
        {
            Refusal.Assert(Errno.EAGAIN, $"EAGAIN: the operation would block (read, fd {reader.Fd})", () => reader.Read(new byte[1]));
            while (writer.TryWrite(new byte[4096], out _)) { } // fills the pipe
            Refusal.Assert(Errno.EAGAIN, $"EAGAIN: the operation would block (write, fd {writer.Fd})", () => writer.Write("x"u8));
        }
    }

    // The constructors for serializers and analyzers: EINVAL throughout (the last one's `Errno = EINVAL` block removed).
    [Fact]
    public void TheConstructorsWithoutAnErrno_MakeAnEinval()
    {
        var plain = new EpollException();
        Assert.Equal((Errno.EINVAL, "EINVAL: invalid argument", -(int)Errno.EINVAL), (plain.Errno, plain.Message, plain.HResult));
        var withMessage = new EpollException("no such thing");
        Assert.Equal((Errno.EINVAL, "EINVAL: no such thing"), (withMessage.Errno, withMessage.Message));
        var inner = new InvalidOperationException("inner");
        var wrapping = new EpollException("outer", inner);
        Assert.Equal((Errno.EINVAL, "EINVAL: outer", -(int)Errno.EINVAL), (wrapping.Errno, wrapping.Message, wrapping.HResult));
        Assert.Same(inner, wrapping.InnerException);
    }
}

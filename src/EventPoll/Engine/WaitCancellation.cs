namespace EventPoll;

/// <summary>
/// What may end a wait before an event or its timeout: the caller's token (a signal, for the POSIX face) and
/// the disposal of the handle the wait came through (an <see cref="Epoll"/>'s Dispose ends its own waits, as
/// Socket.Dispose aborts pending operations; close(2) does not, so the POSIX face passes no handle).
/// </summary>
/// <remarks>
/// A wait registers only on the caller's token. The disposal is the handle's closed flag, which a wait re-checks after
/// it queues itself on the instance: Dispose sets the flag (a full fence) and then wakes the waiters queued through it
/// (<see cref="Eventpoll.EndWaitsThrough"/>, under the waiter queue's lock), so a waiter either is found there or,
/// queued after, reads the flag set. A registration on a per-handle token cost each asynchronous wait about a tenth
/// of its round (the token source's registration and its removal).
/// </remarks>
internal readonly struct WaitCancellation(CancellationToken caller, Epoll? handle = null)
{
    /// <summary>A wait that only the caller's token can end (the POSIX face, the engine's own callers).</summary>
    public static implicit operator WaitCancellation(CancellationToken caller) => new(caller);

    /// <summary>The caller's token.</summary>
    internal CancellationToken Caller => caller;

    /// <summary>The handle the wait came through, whose Dispose ends it (null for the POSIX face).</summary>
    internal Epoll? Handle => handle;

    /// <summary>Whether the handle the wait came through was disposed (that wins over the caller's token).</summary>
    internal bool Disposed => handle is { IsClosed: true };

    internal bool IsCancellationRequested => caller.IsCancellationRequested || Disposed;

    /// <summary>
    /// Calls <paramref name="callback"/> once the caller's token is cancelled, until disposed. The handle's disposal
    /// wakes the wait instead (see the remarks).
    /// </summary>
    internal CancellationTokenRegistration Register(Action<object?> callback, object state)
        => caller.UnsafeRegister(callback, state); // a token that cannot be cancelled returns the empty registration itself

    /// <summary>
    /// The exception the idiomatic API ends a cancelled wait with: <see cref="ObjectDisposedException"/> if the
    /// handle was disposed, else <see cref="OperationCanceledException"/> carrying the caller's token.
    /// </summary>
    internal Exception ToException() => Disposed
        ? new ObjectDisposedException(nameof(Epoll), "The epoll instance's handle was disposed while the wait was blocked.")
        : new OperationCanceledException(caller);
}

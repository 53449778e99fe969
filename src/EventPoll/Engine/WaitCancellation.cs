namespace EventPoll;

/// <summary>
/// What may end a wait before an event or its timeout: the caller's token (a signal, for the POSIX face) and
/// the disposal of the handle the wait came through (an <see cref="Epoll"/>'s Dispose ends its own waits, as
/// Socket.Dispose aborts pending operations; close(2) does not, so the POSIX face passes no handle).
/// </summary>
/// <remarks>
/// The disposal is read from the handle's closed flag, which its Dispose sets (a full fence) before it cancels the
/// handle's disposal token and wakes a wait blocked in the kernel: a check costs no look at the token, whose source
/// the handle makes only for a wait that registers on it (one that blocks in-process, or asynchronously).
/// </remarks>
internal readonly struct WaitCancellation(CancellationToken caller, Epoll? handle = null)
{
    /// <summary>A wait that only the caller's token can end (the POSIX face, the engine's own callers).</summary>
    public static implicit operator WaitCancellation(CancellationToken caller) => new(caller);

    /// <summary>The caller's token.</summary>
    internal CancellationToken Caller => caller;

    /// <summary>Whether the handle the wait came through was disposed (that wins over the caller's token).</summary>
    internal bool Disposed => handle is { IsClosed: true };

    internal bool IsCancellationRequested => caller.IsCancellationRequested || Disposed;

    /// <summary>Calls <paramref name="callback"/> once either the caller's token is cancelled or the handle disposed (possibly twice, once for each) until disposed.</summary>
    internal Registration Register(Action<object?> callback, object state) => new(
        caller.CanBeCanceled ? caller.UnsafeRegister(callback, state) : default,
        handle is not null ? handle.DisposalToken.UnsafeRegister(callback, state) : default);

    /// <summary>
    /// Calls <paramref name="callback"/> once the caller's token is cancelled, until disposed. For a wait blocked in the
    /// kernel, the disposal is the disposing handle's to signal (<see cref="Eventpoll.InterruptKernelWait"/>).
    /// </summary>
    internal CancellationTokenRegistration RegisterCaller(Action<object?> callback, object state)
        => caller.CanBeCanceled ? caller.UnsafeRegister(callback, state) : default;

    /// <summary>
    /// The exception the idiomatic API ends a cancelled wait with: <see cref="ObjectDisposedException"/> if the
    /// handle was disposed, else <see cref="OperationCanceledException"/> carrying the caller's token.
    /// </summary>
    internal Exception ToException() => Disposed
        ? new ObjectDisposedException(nameof(Epoll), "The epoll instance's handle was disposed while the wait was blocked.")
        : new OperationCanceledException(caller);

    /// <summary>Both tokens' registrations.</summary>
    internal readonly struct Registration(CancellationTokenRegistration caller, CancellationTokenRegistration disposal) : IDisposable
    {
        /// <summary>Unregisters both, waiting for a callback that is running (CancellationTokenRegistration.Dispose).</summary>
        public void Dispose()
        {
            caller.Dispose();
            disposal.Dispose();
        }

        /// <summary>Unregisters both without waiting for a running callback.</summary>
        internal void Unregister()
        {
            caller.Unregister();
            disposal.Unregister();
        }
    }
}

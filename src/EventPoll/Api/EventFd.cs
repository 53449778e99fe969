namespace EventPoll;

/// <summary>An eventfd: a 64-bit counter, readable while non-zero and writable while below 2^64-2.</summary>
public sealed class EventFd : FileHandle
{
    /// <summary>
    /// Creates an eventfd holding <paramref name="initial"/>; in <paramref name="semaphore"/> mode each read takes 1.
    /// An initial value above 2^32-1 is EINVAL: eventfd2 takes it as an unsigned int, so the kernel can create no such
    /// counter.
    /// </summary>
    public EventFd(ulong initial = 0, bool semaphore = false, DescriptorTable? table = null)
        : base(table ?? DescriptorTable.Default, Install(table ?? DescriptorTable.Default, NewFile(initial, semaphore), "eventfd")) { }

    private static EventFdFile NewFile(ulong initial, bool semaphore) => initial <= uint.MaxValue
        ? new EventFdFile((uint)initial, semaphore)
        : throw new EpollException(Errno.EINVAL, $"an eventfd's initial value must fit in 32 bits (eventfd2 takes an unsigned int), got {initial} (eventfd)");

    /// <summary>Adds <paramref name="value"/> to the counter. Throws EAGAIN if it would pass 2^64-2, EINVAL for 2^64-1.</summary>
    public void Signal(ulong value = 1)
    {
        if (!TrySignal(value)) throw new EpollException(Errno.EAGAIN, $"the counter would pass its maximum, 2^64-2, until it is read (write, fd {Fd})");
    }

    /// <summary>Adds <paramref name="value"/> unless the counter would pass its maximum (then false).</summary>
    public bool TrySignal(ulong value = 1)
    {
        Span<byte> bytes = stackalloc byte[8];
        BitConverter.TryWriteBytes(bytes, value);
        return TryWrite(bytes, out _);
    }

    /// <summary>Takes the counter (or 1 in semaphore mode). Throws EAGAIN when it is 0.</summary>
    public ulong Consume() => TryConsume(out ulong value) ? value : throw new EpollException(Errno.EAGAIN, $"the counter is 0 (read, fd {Fd})");

    /// <summary>Takes the counter (or 1 in semaphore mode); false when it is 0.</summary>
    public bool TryConsume(out ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        bool ok = TryRead(bytes, out _);
        // Stryker disable once Conditional : a failed read leaves the stackalloc'd (zeroed) bytes alone, which read as 0
        value = ok ? BitConverter.ToUInt64(bytes) : 0;
        return ok;
    }
}

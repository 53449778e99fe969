namespace EventPoll;

/// <summary>A timerfd on the monotonic clock: readable once it has expired, reading returns the expirations.</summary>
public sealed class TimerFd : FileHandle
{
    /// <summary>Creates a disarmed timer.</summary>
    public TimerFd(DescriptorTable? table = null)
        : base(table ?? DescriptorTable.Default, Install(table ?? DescriptorTable.Default, new TimerFdFile(), "timerfd_create")) { }

    /// <summary>Arms the timer to expire after <paramref name="initial"/> and then every <paramref name="interval"/> (zero: once). A zero <paramref name="initial"/> disarms it.</summary>
    public void SetTime(TimeSpan initial, TimeSpan interval = default)
    {
        using Use use = Enter();
        EpollException.Check(Syscalls.TimerFdSetTime(Table, Fd, initial, interval), "timerfd_settime", Fd);
    }

    /// <summary>Takes the number of expirations since the last read; false when there were none.</summary>
    public bool TryConsume(out ulong expirations)
    {
        Span<byte> bytes = stackalloc byte[8];
        bool ok = TryRead(bytes, out _);
        // Stryker disable once Conditional : a failed read leaves the stackalloc'd (zeroed) bytes alone, which read as 0
        expirations = ok ? BitConverter.ToUInt64(bytes) : 0;
        return ok;
    }
}

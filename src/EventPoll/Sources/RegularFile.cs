namespace EventPoll;

/// <summary>
/// An in-memory regular file. It has no poll method of its own, so epoll refuses it with EPERM
/// (Linux: file_can_poll is false and ep_insert's caller rejects it).
/// </summary>
internal sealed class RegularFile : OpenFile
{
    private readonly object _lock = new();
    private byte[] _content;
    private int _length;   // under _lock
    private long _position; // under _lock

    internal RegularFile(ReadOnlySpan<byte> content = default)
    {
        _content = content.ToArray();
        _length = _content.Length;
    }

    internal override bool CanPoll => false;

    internal override ulong Inode { get; } = InodeNumbers.Next();

    internal override uint DeviceId => InodeNumbers.RegularFsDevice;

    internal override long Position
    {
        get { lock (_lock) return _position; }
    }

    /// <summary>The file's bytes, for tests.</summary>
    internal byte[] Content
    {
        get { lock (_lock) return _content.AsSpan(0, _length).ToArray(); }
    }

    // Linux: vfs_poll on a file without ->poll reports DEFAULT_POLLMASK. Only poll(2) (PollNow) asks: epoll_ctl
    // refuses a regular file (EPERM) before any poll.
    public override EpollEvents Poll(PollTable? table) => EpollEvents.In | EpollEvents.Out | EpollEvents.RdNorm | EpollEvents.WrNorm;

    internal override long Read(Span<byte> buffer)
    {
        lock (_lock)
        {
            int available = (int)Math.Max(0, Math.Min(_length - _position, buffer.Length));
            _content.AsSpan((int)_position, available).CopyTo(buffer);
            _position += available;
            return available;
        }
    }

    internal override long Write(ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            long end = _position + data.Length;
            if (end > Array.MaxLength) return Failure.Of(Errno.EINVAL, "the write would grow the file past its largest size");
            // Stryker disable once Linq,Arithmetic : the capacity the buffer grows to; reads and Content see only _length bytes
            if (end > _content.Length) Array.Resize(ref _content, (int)Math.Max(end, Math.Min(Array.MaxLength, _content.Length * 2L)));
            data.CopyTo(_content.AsSpan((int)_position));
            _position = end;
            _length = (int)Math.Max(_length, end);
            return data.Length;
        }
    }
}

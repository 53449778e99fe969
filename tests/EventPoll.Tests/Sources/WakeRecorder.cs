using System.Buffers.Binary;
using EventPoll;

namespace EventPoll.Tests.Sources;

/// <summary>A poll table that registers a recording entry on every queue a file offers.</summary>
internal sealed class WakeRecorder : PollTable
{
    private readonly List<EpollEvents> _keys = [];
    private readonly List<(WaitQueue Queue, Entry Entry)> _entries = [];

    /// <summary>Set on every wakeup, for tests that wait on another thread's wakeup.</summary>
    public ManualResetEventSlim Signal { get; } = new();

    /// <summary>The keys received so far, in order.</summary>
    public IReadOnlyList<EpollEvents> Keys
    {
        get { lock (_keys) return [.. _keys]; }
    }

    /// <summary>The queues registered on.</summary>
    public IReadOnlyList<WaitQueue> Queues => [.. _entries.Select(e => e.Queue)];

    public override void Register(WaitQueue queue)
    {
        var entry = new Entry(this);
        queue.Add(entry);
        _entries.Add((queue, entry));
    }

    /// <summary>Returns the keys received so far and forgets them.</summary>
    public IReadOnlyList<EpollEvents> Take()
    {
        lock (_keys)
        {
            EpollEvents[] keys = [.. _keys];
            _keys.Clear();
            Signal.Reset();
            return keys;
        }
    }

    private void Record(EpollEvents key)
    {
        lock (_keys) _keys.Add(key);
        Signal.Set();
    }

    private sealed class Entry(WakeRecorder owner) : WaitEntry
    {
        protected internal override bool OnWake(EpollEvents key)
        {
            owner.Record(key);
            return true;
        }
    }
}

internal static class FileIo
{
    public static long WriteU64(OpenFile file, ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        return file.Write(b);
    }

    public static (long Result, ulong Value) ReadU64(OpenFile file)
    {
        Span<byte> b = stackalloc byte[8];
        long r = file.Read(b);
        return (r, BinaryPrimitives.ReadUInt64LittleEndian(b));
    }

    public static long Write(OpenFile file, int count) => file.Write(new byte[count]);

    public static long Read(OpenFile file, int count) => file.Read(new byte[count]);
}

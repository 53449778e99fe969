namespace EventPoll.Trace;

/// <summary>
/// The trace's names and what each stands for now. A name is open (a descriptor), or closed (-1: after a
/// successful close, or when the command that should have created it failed). Each open file
/// description gets an identity, shared by dups, so fdinfo can tell instances apart whatever name is used.
/// </summary>
internal sealed class NameTable(string path)
{
    private readonly Dictionary<string, Binding> _names = new(StringComparer.Ordinal);
    private int _lastIdentity;

    /// <summary>What a descriptor is, as far as the trace's byte-versus-counter I/O needs to know.</summary>
    internal enum FileKind
    {
        Closed,
        EventFd,
        Pipe,
        Socket,
        Epoll,
    }

    /// <summary>A name's current meaning. <see cref="Identity"/> is 0 when closed.</summary>
    internal readonly record struct Binding(int Fd, FileKind Kind, int Identity)
    {
        public static readonly Binding Closed = new(-1, FileKind.Closed, 0);
    }

    /// <summary>The binding of a used name; an unknown name is a trace error.</summary>
    internal Binding Get(TraceCommand c, string name) =>
        _names.TryGetValue(name, out Binding b) ? b : throw Error(c, $"unknown name '{Echo.Of(name)}'");

    /// <summary>Checks that a name may be (re)bound: it must be new or closed.</summary>
    internal void CheckBindable(TraceCommand c, string name)
    {
        if (_names.TryGetValue(name, out Binding b) && b.Fd >= 0)
        {
            throw Error(c, $"name '{Echo.Of(name)}' is still open; close it before rebinding");
        }
    }

    /// <summary>Binds a name to a fresh descriptor (a new file description), or to -1 when creation failed.</summary>
    internal void BindNew(string name, int fd, FileKind kind) =>
        _names[name] = fd < 0 ? Binding.Closed : new Binding(fd, kind, ++_lastIdentity);

    /// <summary>Binds a name to a dup of <paramref name="old"/>, or to -1 when the dup failed.</summary>
    internal void BindDup(string name, int fd, Binding old) =>
        _names[name] = fd < 0 ? Binding.Closed : old with { Fd = fd };

    /// <summary>Makes a name stand for -1.</summary>
    internal void MarkClosed(string name) => _names[name] = Binding.Closed;

    private TraceException Error(TraceCommand c, string message) => new(path, c.Line, message);
}

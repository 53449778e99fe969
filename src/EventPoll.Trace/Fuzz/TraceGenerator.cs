using System.Globalization;
using System.Text;

namespace EventPoll.Trace.Fuzz;

/// <summary>
/// Generates random well-formed traces over every command: nested instances, dup/close, ET/ONESHOT/EXCLUSIVE
/// and odd masks, full pipes, socket shutdowns, the error paths (closed names, wrong kinds, bad maxevents) and data
/// words an instance's kernel side must translate. Deterministic for a seed. Socket traffic stays small (the kernel's
/// socket-buffer accounting is not part of the contract); pipe capacity is exercised in full, and reads sometimes show
/// the bytes they got (so a small write merged into a pipe's last page is checked byte for byte). Every wait uses
/// timeout 0. Now and then a fan: up to 520 new instances watching one (the <c>repeat</c> command), across the
/// wakeup-path limits (500 paths of length 2), often followed by an ADD into the watched instance.
/// </summary>
/// <remarks>
/// With <c>smallFans</c> a fan has at most 8 instances: for contenders whose instances make kernel sides, which Linux's
/// path limits cannot be held to past that (<see cref="Contender.HoldsKernelSides"/>). The random stream is the same
/// either way; only the sizes drawn differ.
/// </remarks>
internal sealed class TraceGenerator(int seed, bool smallFans = false)
{
    private enum Kind { EventFd, PipeRead, PipeWrite, Socket, Epoll }

    private static readonly string[] s_flagNames =
        ["IN", "OUT", "PRI", "ERR", "HUP", "RDNORM", "WRNORM", "RDBAND", "WRBAND", "RDHUP", "ET", "ONESHOT", "EXCLUSIVE", "WAKEUP"];

    private static readonly int[] s_pipeSizes = [1, 2, 100, 4095, 4096, 4097, 8192, 20000, 65535, 65536, 70000];

    private static readonly ulong[] s_eventFdValues = [0, 1, 2, 3, 1000, ulong.MaxValue - 2, ulong.MaxValue - 1, ulong.MaxValue];

    // Fan sizes: small ones, ones past half the 500-path limit (two leaves below reach it), ones past the limit itself.
    private static readonly int[] s_fanSizes = [2, 3, 8, 260, 300, 501, 520];

    // The same draws mapped into the small ones (see the remarks).
    private static readonly int[] s_smallFanSizes = [2, 3, 8, 2, 3, 5, 8];

    // One fan in about this many commands (a fan of hundreds costs as much as a trace).
    private const int FanOdds = 1000;

    private readonly Random _random = new(seed);
    private readonly Dictionary<string, Kind> _open = [];   // name -> kind, for names bound to an open descriptor
    private readonly List<(string Ep, string Target)> _added = []; // ctl adds issued (some may have failed)
    private readonly HashSet<string> _closed = [];          // names that stand for -1 (closed or failed)
    private readonly StringBuilder _text = new();
    private int _nextName;
    private int _data; // data words used so far in this trace
    private int _lines; // commands emitted so far in this trace
    private int _fans;  // fans emitted so far in this trace

    /// <summary>Generates one trace of <paramref name="length"/> commands.</summary>
    internal string Next(int length)
    {
        _open.Clear();
        _closed.Clear();
        _added.Clear();
        _text.Clear();
        _nextName = 0;
        _data = 0;
        _lines = 0;
        _fans = 0;
        Emit("epoll", Bind(Kind.Epoll));
        while (_lines < length) EmitRandomCommand(length - _lines);
        return _text.ToString();
    }

    private void EmitRandomCommand(int room)
    {
        if (room >= 2 && _fans == 0 && _random.Next(FanOdds) == 0)
        {
            EmitFan(room);
            return;
        }

        int roll = _random.Next(100);
        if (_open.Count < 3 || roll < 12) EmitCreate();
        else if (roll < 42) EmitCtl();
        else if (roll < 56) EmitWrite();
        else if (roll < 64) EmitRead();
        else if (roll < 80) Emit("wait", Pick(Kind.Epoll, 0.97), MaxEvents(), "0");
        else if (roll < 81) EmitClose();
        else if (roll < 85) EmitDup();
        else if (roll < 89) Emit("shutdown", Pick(Kind.Socket, 0.9), Choose("rd", "wr", "rdwr"));
        else if (roll < 95) Emit("poll", AnyName());
        else Emit("fdinfo", Pick(Kind.Epoll, 0.95));
    }

    private void EmitCreate()
    {
        switch (_random.Next(_open.Count > 14 ? 0 : 4))
        {
            case 0 when _open.Count > 14:
                EmitClose();
                break;
            case 0:
                string init = _random.Next(3) == 0 ? Number(Choose(s_eventFdValues[..5])) : "";
                Emit("eventfd", Bind(Kind.EventFd), init, init.Length > 0 && _random.Next(3) == 0 ? "semaphore" : "");
                break;
            case 1:
                Emit("pipe", Bind(Kind.PipeRead), Bind(Kind.PipeWrite));
                break;
            case 2:
                Emit("socketpair", Bind(Kind.Socket), Bind(Kind.Socket));
                break;
            default:
                Emit("epoll", Bind(Kind.Epoll));
                break;
        }
    }

    private void EmitCtl()
    {
        int roll = _random.Next(100);
        if (roll < 35 && _added.Count > 0)
        {
            // MOD or DEL of something added before, usually through the same instance.
            (string ep, string target) = Choose([.. _added]);
            if (_random.Next(8) == 0) ep = Pick(Kind.Epoll, 0.9);
            bool del = _random.Next(3) == 0;
            if (del && _random.Next(2) == 0) Emit("ctl", ep, "del", target);
            else Emit("ctl", ep, del ? "del" : "mod", target, Events(), Data());
            return;
        }
        string epName = Pick(Kind.Epoll, 0.95);
        string targetName = _random.Next(100) switch
        {
            < 72 => PickObject(),
            < 88 => Pick(Kind.Epoll, 1.0),
            _ => AnyName(),
        };
        string op = _random.Next(12) switch { 0 => "mod", 1 => "del", _ => "add" };
        Emit("ctl", epName, op, targetName, Events(), Data());
        if (op == "add") _added.Add((epName, targetName));
    }

    /// <summary>
    /// A data word no other ctl of the trace uses, so that every event names its registration (the mixed rule tells
    /// registrations apart by what their events print). One in eight lies in the range an instance's kernel side
    /// translates (<see cref="KernelDataWords"/>: the top 2^32 values, its signal's word ulong.MaxValue among them).
    /// </summary>
    private string Data()
    {
        ulong n = (ulong)++_data;
        if (_random.Next(8) != 0) return Number(n);
        return Number(_random.Next(2) == 0 ? ulong.MaxValue - n + 1 : KernelDataWords.ReservedBase + n);
    }

    /// <summary>An open non-epoll object's name when there is one.</summary>
    private string PickObject()
    {
        string[] objects = [.. _open.Where(e => e.Value != Kind.Epoll).Select(e => e.Key)];
        return objects.Length > 0 && _random.Next(10) != 0 ? Choose(objects) : AnyName();
    }

    private void EmitWrite()
    {
        string name = PickObject();
        string count = _open.TryGetValue(name, out Kind kind) switch
        {
            true when kind == Kind.EventFd => Number(Choose(s_eventFdValues)),
            true when kind == Kind.Socket => Number((ulong)_random.Next(0, 64)),
            _ => Number((ulong)Choose(s_pipeSizes)),
        };
        Emit("write", name, count);
    }

    private void EmitRead()
    {
        string name = PickObject();
        bool known = _open.TryGetValue(name, out Kind kind);
        int count = known && kind == Kind.Socket ? _random.Next(0, 64) : Choose(s_pipeSizes);
        Emit("read", name, Number((ulong)count), known && kind != Kind.EventFd && _random.Next(2) == 0 ? "bytes" : "");
    }

    /// <summary>
    /// A fan: <c>repeat K epoll</c> and <c>repeat K ctl ... add</c> make K new instances watching one open instance,
    /// then, when there is room, often an ADD of an object into the watched one (a new leaf below every watcher). The
    /// first new instance joins the trace's names; the rest are only counted on.
    /// </summary>
    private void EmitFan(int room)
    {
        string target = Pick(Kind.Epoll, 1.0);
        int size = Choose(smallFans ? s_smallFanSizes : s_fanSizes);
        string prefix = "f" + Fresh();
        _fans++;
        Emit("repeat", Number((ulong)size), "epoll", prefix + "_*");
        // Data words of their own: the fan's number, five zeros, then the repetition (1000001, 1000002, ...).
        string data = Number((ulong)_fans) + "00000*";
        Emit("repeat", Number((ulong)size), "ctl", prefix + "_*", "add", target, _random.Next(3) == 0 ? "IN|ET" : "IN", data);
        _open[prefix + "_1"] = Kind.Epoll;
        if (room >= 3 && _random.Next(2) == 0)
        {
            string leaf = PickObject();
            Emit("ctl", target, "add", leaf, Events(), Data());
            _added.Add((target, leaf));
        }
    }

    private void EmitClose()
    {
        string name = AnyName();
        Emit("close", name);
        if (_open.Remove(name)) _closed.Add(name);
    }

    private void EmitDup()
    {
        string old = AnyName();
        bool ok = _open.TryGetValue(old, out Kind kind);
        string name = Fresh();
        Emit("dup", name, old);
        if (ok) _open[name] = kind; else _closed.Add(name);
    }

    private string Events()
    {
        int roll = _random.Next(40);
        if (roll == 0) return "0";
        if (roll == 1) return "0x" + _random.Next(1, 0x4000).ToString("x", CultureInfo.InvariantCulture);
        var flags = new List<string>();
        switch (_random.Next(10))
        {
            case < 5: flags.Add("IN"); break;
            case < 7: flags.Add("OUT"); break;
            case < 9: flags.AddRange(["IN", "OUT"]); break;
            default: break;
        }
        if (_random.Next(3) == 0) flags.Add("ET");
        if (_random.Next(7) == 0) flags.Add("ONESHOT");
        if (_random.Next(9) == 0) flags.Add("RDHUP");
        if (_random.Next(20) == 0) flags.Add("EXCLUSIVE");
        if (_random.Next(6) == 0) flags.Add(Choose(s_flagNames));
        if (_random.Next(60) == 0) flags.Add("0x8000000"); // EPOLL_URING_WAKE: not a flag name, still a bit
        return flags.Count == 0 ? "0" : string.Join('|', flags.Distinct());
    }

    private string MaxEvents() => _random.Next(30) switch
    {
        0 => "0",
        1 => "-1",
        2 => "178956971",
        _ => Number((ulong)_random.Next(1, 9)),
    };

    /// <summary>A name of <paramref name="kind"/> with probability <paramref name="p"/> (when one exists), else any name.</summary>
    private string Pick(Kind kind, double p)
    {
        if (_random.NextDouble() < p)
        {
            string[] matching = [.. _open.Where(e => e.Value == kind).Select(e => e.Key)];
            if (matching.Length > 0) return Choose(matching);
        }
        return AnyName();
    }

    /// <summary>Any bound name: usually an open one, sometimes a closed one (which stands for -1).</summary>
    private string AnyName() =>
        _closed.Count > 0 && (_open.Count == 0 || _random.Next(12) == 0) ? Choose([.. _closed]) : Choose([.. _open.Keys]);

    private string Bind(Kind kind)
    {
        string name = _closed.Count > 0 && _random.Next(4) == 0 ? Choose([.. _closed]) : Fresh();
        _closed.Remove(name);
        _open[name] = kind;
        return name;
    }

    private string Fresh() => "n" + (_nextName++).ToString(CultureInfo.InvariantCulture);

    private T Choose<T>(params T[] items) => items[_random.Next(items.Length)];

    private static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    private void Emit(params string[] tokens)
    {
        _text.AppendJoin(' ', tokens.Where(t => t.Length > 0));
        _text.Append('\n');
        _lines++;
    }
}

using System.Globalization;

namespace EventPoll.Trace;

/// <summary>
/// Reads trace format v1 (docs/trace-format.md). Only the syntax is checked here; whether a name is
/// known or may be rebound depends on earlier results, so the runner checks that as it goes.
/// </summary>
internal static class TraceParser
{
    /// <summary>
    /// The longest line a trace may have, not counting its newline. Real traces have lines of a few dozen
    /// characters; the limit keeps a runaway input (<c>/dev/zero</c>, a binary file) from being read whole.
    /// </summary>
    internal const int MaxLineLength = 4096;

    /// <summary>The most repetitions one <c>repeat</c> line may ask for: past every wakeup-path limit (the largest is 500).</summary>
    internal const uint MaxRepeat = 1024;

    /// <summary>Reads and parses a whole trace file (for tests and tools that need the commands in memory).</summary>
    internal static TraceFile Load(string path)
    {
        using var reader = new StreamReader(path);
        return new TraceFile(path, [.. Read(path, reader)]);
    }

    /// <summary>Parses trace text; <paramref name="path"/> is used for messages only.</summary>
    internal static TraceFile Parse(string path, string text) => new(path, [.. Read(path, new StringReader(text))]);

    /// <summary>
    /// Parses a trace as it is read: each command is yielded as soon as its line has been read, so a runner can
    /// execute it before the next line arrives. <paramref name="path"/> is used for messages only.
    /// </summary>
    internal static IEnumerable<TraceCommand> Read(string path, TextReader reader)
    {
        var lines = new LineReader(path, reader);
        while (lines.Next() is { } line)
        {
            int hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                line = line[..hash];
            }

            string[] tokens = line.Split([' ', '\t', '\r', '\f', '\v'], StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length == 0) continue;
            if (tokens[0] != "repeat")
            {
                yield return ParseCommand(new TraceArgs(path, lines.Number, tokens));
                continue;
            }

            foreach (TraceCommand c in ParseRepeat(new TraceArgs(path, lines.Number, tokens), tokens))
            {
                yield return c;
            }
        }
    }

    private static TraceCommand ParseCommand(TraceArgs a)
    {
        TraceCommand c = a.Command switch
        {
            "eventfd" => ParseEventFd(a),
            "pipe" => a.Make(CommandKind.Pipe, a.Name("RNAME"), a.Name("WNAME")),
            "socketpair" => a.Make(CommandKind.SocketPair, a.Name("ANAME"), a.Name("BNAME")),
            "epoll" => a.Make(CommandKind.Epoll, a.Name("NAME")),
            "dup" => a.Make(CommandKind.Dup, a.Name("NEW"), a.Name("OLD")),
            "close" => a.Make(CommandKind.Close, a.Name("NAME")),
            "ctl" => ParseCtl(a),
            "write" => a.Make(CommandKind.Write, a.Name("NAME")) with { Count = a.UInt64("N") },
            "read" => a.Make(CommandKind.Read, a.Name("NAME")) with { Count = a.UInt64("N"), ShowBytes = a.Keyword("bytes") },
            "shutdown" => a.Make(CommandKind.Shutdown, a.Name("NAME")) with { How = ParseHow(a) },
            "wait" => a.Make(CommandKind.Wait, a.Name("EP")) with { MaxEvents = a.Int32("MAXEVENTS"), TimeoutMs = a.Int32("TIMEOUT_MS") },
            "poll" => a.Make(CommandKind.Poll, a.Name("NAME")),
            "fdinfo" => a.Make(CommandKind.FdInfo, a.Name("EP")),
            _ => throw a.Error($"unknown command '{Echo.Of(a.Command)}'"),
        };
        a.End();
        if (c.Names.Length == 2 && c.Binds(1) && c.Names[0] == c.Names[1])
        {
            throw a.Error($"{a.Command}: the two names must differ");
        }

        return c;
    }

    /// <summary>
    /// <c>repeat N COMMAND...</c>: COMMAND N times, the i-th time with every token's trailing <c>*</c> replaced by i, so
    /// that one line can make and wire hundreds of instances (the wakeup-path limits need 500). Every repetition is
    /// parsed before the first is run, so a malformed one stops the trace before anything of the line has run.
    /// </summary>
    private static List<TraceCommand> ParseRepeat(TraceArgs a, string[] tokens)
    {
        uint count = a.UInt32("N");
        if (count is < 1 or > MaxRepeat) throw a.Error($"repeat: N must be from 1 to {MaxRepeat}");
        string[] body = tokens[2..];
        if (body.Length == 0) throw a.Error("repeat: missing COMMAND");
        if (body[0] == "repeat") throw a.Error("repeat: a repeated command cannot be a repeat");
        var commands = new List<TraceCommand>((int)count);
        for (uint i = 1; i <= count; i++)
        {
            string index = i.ToString(CultureInfo.InvariantCulture);
            string[] expanded = [.. body.Select(t => t.EndsWith('*') ? t[..^1] + index : t)];
            commands.Add(ParseCommand(a.Expanded(expanded)));
        }

        return commands;
    }

    private static TraceCommand ParseEventFd(TraceArgs a)
    {
        var c = a.Make(CommandKind.EventFd, a.Name("NAME"));
        if (a.Peek() is { } init && init != "semaphore")
        {
            c = c with { Initial = a.UInt32("INIT") };
        }

        if (a.Peek() == "semaphore")
        {
            a.Next("semaphore");
            c = c with { Semaphore = true };
        }

        return c;
    }

    private static TraceCommand ParseCtl(TraceArgs a)
    {
        string ep = a.Name("EP");
        string opText = a.Next("add|mod|del");
        int op = opText switch
        {
            "add" => 1,
            "del" => 2,
            "mod" => 3,
            _ => throw a.Error($"ctl: unknown operation '{Echo.Of(opText)}' (expected add, mod or del)"),
        };
        var c = a.Make(CommandKind.Ctl, ep, a.Name("TARGET")) with { Op = op };
        if (a.Peek() is { } eventsText)
        {
            a.Next("EVENTS");
            EpollEvents events = EventFormat.TryParse(eventsText, out string bad)
                ?? throw a.Error($"unknown event flag '{Echo.Of(bad)}'");
            c = c with { Events = events };
            if (a.Peek() is not null)
            {
                c = c with { Data = a.UInt64("DATA") };
            }
        }

        return c;
    }

    private static int ParseHow(TraceArgs a)
    {
        string how = a.Next("rd|wr|rdwr");
        return how switch
        {
            "rd" => 0,
            "wr" => 1,
            "rdwr" => 2,
            _ => throw a.Error($"shutdown: unknown direction '{Echo.Of(how)}' (expected rd, wr or rdwr)"),
        };
    }

    /// <summary>A cursor over one line's tokens that turns every problem into a located TraceException.</summary>
    private sealed class TraceArgs(string path, int line, string[] tokens)
    {
        private int _next = 1;

        public string Command => tokens[0];

        public string? Peek() => _next < tokens.Length ? tokens[_next] : null;

        public string Next(string role) =>
            _next < tokens.Length ? tokens[_next++] : throw Error($"{Command}: missing {role}");

        public string Name(string role)
        {
            string name = Next(role);
            return IsName(name) ? name : throw Error($"{Command}: invalid name '{Echo.Of(name)}' for {role}");
        }

        public uint UInt32(string role) => uint.TryParse(Next(role), NumberStyles.None, CultureInfo.InvariantCulture, out uint v)
            ? v
            : throw Error($"{Command}: {role} '{Echo.Of(tokens[_next - 1])}' is not an unsigned 32-bit decimal");

        public ulong UInt64(string role) => ulong.TryParse(Next(role), NumberStyles.None, CultureInfo.InvariantCulture, out ulong v)
            ? v
            : throw Error($"{Command}: {role} '{Echo.Of(tokens[_next - 1])}' is not an unsigned 64-bit decimal");

        public int Int32(string role) => int.TryParse(Next(role), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw Error($"{Command}: {role} '{Echo.Of(tokens[_next - 1])}' is not a 32-bit decimal");

        /// <summary>Consumes <paramref name="keyword"/> when it is the next token; whether it was.</summary>
        public bool Keyword(string keyword)
        {
            if (Peek() != keyword) return false;
            _next++;
            return true;
        }

        /// <summary>The arguments of one repetition of a <c>repeat</c> line: the same place, the expanded tokens.</summary>
        public TraceArgs Expanded(string[] expanded) => new(path, line, expanded);

        public TraceCommand Make(CommandKind kind, params string[] names) =>
            new(line, string.Join(' ', tokens), kind, names);

        public void End()
        {
            if (_next < tokens.Length)
            {
                throw Error($"{Command}: unexpected argument '{Echo.Of(tokens[_next])}'");
            }
        }

        public TraceException Error(string message) => new(path, line, message);

        private static bool IsName(string s) =>
            s.Length > 0 && (char.IsAsciiLetter(s[0]) || s[0] == '_') && s.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_');
    }

    /// <summary>Splits a reader into lines at '\n', refusing any line longer than <see cref="MaxLineLength"/>.</summary>
    private sealed class LineReader(string path, TextReader reader)
    {
        private readonly char[] _line = new char[MaxLineLength];

        /// <summary>The 1-based number of the line <see cref="Next"/> returned last.</summary>
        public int Number { get; private set; }

        /// <summary>The next line without its newline, or null at the end of the input.</summary>
        public string? Next()
        {
            int length = 0;
            for (int ch = reader.Read(); ch != '\n'; ch = reader.Read())
            {
                if (ch == -1)
                {
                    if (length == 0) return null; // an empty last line is nothing to parse
                    break;
                }

                if (length == _line.Length)
                {
                    throw new TraceException(path, Number + 1, $"line longer than {MaxLineLength} characters");
                }

                _line[length++] = (char)ch;
            }

            Number++;
            return new string(_line, 0, length);
        }
    }
}

using System.Globalization;
using EventPoll.Trace;

namespace EventPoll.Cli;

/// <summary>
/// Walks one command's arguments. An option takes its value as <c>--name VALUE</c> or <c>--name=VALUE</c>;
/// every mistake becomes a <see cref="UsageException"/> that names the option or value at fault and why.
/// </summary>
internal sealed class ArgumentReader(string command, ReadOnlySpan<string> args)
{
    private readonly string[] _args = args.ToArray();
    private int _next;
    private string? _option;  // the option Next returned last
    private string? _inline;  // the VALUE of its --name=VALUE form, until Value takes it

    /// <summary>The next argument (for <c>--name=VALUE</c>: <c>--name</c>), or null at the end.</summary>
    internal string? Next()
    {
        if (_inline is not null) throw Error($"{_option} takes no value");
        if (_next == _args.Length) return null;
        string arg = _args[_next++];
        int equals = arg.IndexOf('=', StringComparison.Ordinal);
        _option = equals > 0 && arg.StartsWith("--", StringComparison.Ordinal) ? arg[..equals] : arg;
        _inline = _option == arg ? null : arg[(equals + 1)..];
        return _option;
    }

    /// <summary>The value of <paramref name="option"/>; <paramref name="what"/> says what it should be ("a directory").</summary>
    internal string Value(string option, string what)
    {
        string? value = _inline;
        _inline = null;
        if (value is null && _next < _args.Length && !_args[_next].StartsWith("--", StringComparison.Ordinal)) value = _args[_next++];
        return string.IsNullOrEmpty(value) ? throw Error($"{option} needs {what}") : value;
    }

    /// <summary>The value of <paramref name="option"/> as a whole number of at least <paramref name="min"/> (0 or 1).</summary>
    internal int Number(string option, int min)
    {
        string value = Value(option, min > 0 ? "a positive whole number" : "a whole number");
        bool parsed = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n);
        if (parsed && n >= min) return n;
        string rule = !parsed && value.All(char.IsAsciiDigit) ? "at most 2147483647" : min > 0 ? "a positive whole number" : "a whole number";
        throw Error($"{option} must be {rule}, got '{Echo.Of(value)}'");
    }

    /// <summary>The report for an argument the command does not know.</summary>
    internal UsageException Unknown(string arg) => Error($"unknown option '{Echo.Of(arg)}' (see eventpoll --help)");

    /// <summary>A usage error of this command: <c>eventpoll COMMAND: message</c>.</summary>
    internal UsageException Error(string message) => new($"eventpoll {command}: {message}");
}

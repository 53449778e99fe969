using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using EventPoll.Trace;

namespace EventPoll.Cli;

/// <summary>
/// Options whose values System.CommandLine hands over as text, converted here so that each mistake is reported in
/// this CLI's words: the option, the value (through <see cref="Echo"/>) and why, instead of the library's type names.
/// </summary>
internal static class CliOptions
{
    /// <summary>
    /// An option with one value; <paramref name="what"/> says what it should be ("a directory"). The value is optional
    /// to the parser so that a missing one reaches <see cref="Text"/>'s own message rather than the library's.
    /// </summary>
    internal static Option<string> Text(string name, string helpName, string what, string description) => new(name)
    {
        Description = description,
        HelpName = helpName,
        Arity = ArgumentArity.ZeroOrOne,
        CustomParser = result => Single(result, what),
    };

    /// <summary>An option whose value is a whole number of at least <paramref name="min"/> (0 or 1); null when it is not given.</summary>
    internal static Option<int?> WholeNumber(string name, string helpName, int min, string description) => new(name)
    {
        Description = description,
        HelpName = helpName,
        Arity = ArgumentArity.ZeroOrOne,
        CustomParser = result => Number(result, min),
    };

    /// <summary>
    /// An option whose value is one of <paramref name="values"/>, offered as completions; anything else is refused with
    /// the list. The check is on the token, not the value: a missing value is the parser's to report, once.
    /// </summary>
    internal static Option<string> Choice(string name, string[] values, string description)
    {
        string list = values.Length == 1 ? values[0] : $"{string.Join(", ", values[..^1])} or {values[^1]}";
        Option<string> option = Text(name, string.Join('|', values), $"a value ({list})", description);
        option.CompletionSources.Add(values);
        option.Validators.Add(result =>
        {
            if (result.Tokens is [{ Value: { Length: > 0 } value }] && !values.Contains(value))
            {
                result.AddError($"unknown {name.TrimStart('-')} '{Echo.Of(value)}' (expected {list})");
            }
        });
        return option;
    }

    private static string? Single(ArgumentResult result, string what)
    {
        string value = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
        if (value.Length == 0) result.AddError($"{OptionName(result)} needs {what}");
        return value;
    }

    private static int? Number(ArgumentResult result, int min)
    {
        string rule = min > 0 ? "a positive whole number" : "a whole number";
        string? value = Single(result, rule);
        if (string.IsNullOrEmpty(value)) return null;
        bool parsed = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n);
        if (parsed && n >= min) return n;
        if (!parsed && value.All(char.IsAsciiDigit)) rule = "at most 2147483647";
        result.AddError($"{OptionName(result)} must be {rule}, got '{Echo.Of(value)}'");
        return null;
    }

    private static string OptionName(ArgumentResult result) => ((OptionResult)result.Parent!).Option.Name;
}

using System.CommandLine;
using System.CommandLine.Parsing;
using EventPoll.Trace;

namespace EventPoll.Cli;

/// <summary>
/// The one line that reports a command line System.CommandLine refused: <c>eventpoll COMMAND: message</c>, naming
/// the option or value at fault. Messages about a value come from this CLI's own parsers and validators (see
/// <see cref="CliOptions"/>) and echo it through <see cref="Echo"/>; the library's own messages about tokens it did
/// not recognise would repeat them raw, so those are worded here.
/// </summary>
internal static class ParseErrorLine
{
    internal static string Of(ParseResult parsed)
    {
        Command command = parsed.CommandResult.Command;
        string prefix = command is RootCommand ? "eventpoll" : $"eventpoll {command.Name}";
        ParseError? onValue = parsed.Errors.FirstOrDefault(e => e.SymbolResult is OptionResult or ArgumentResult);
        string message = onValue is not null ? onValue.Message
            : parsed.UnmatchedTokens.FirstOrDefault() is { } token ? Unknown(command, token)
            : command is RootCommand ? "no command given (commands: trace, fuzz, bench, serve; see eventpoll --help)"
            : parsed.Errors[0].Message;
        return $"{prefix}: {message}";
    }

    private static string Unknown(Command command, string token)
    {
        string what = command is RootCommand ? "command" : token.StartsWith('-') ? "option" : "argument";
        string help = command is RootCommand ? "eventpoll --help" : $"eventpoll {command.Name} --help";
        return $"unknown {what} '{Echo.Of(token)}' (see {help})";
    }
}

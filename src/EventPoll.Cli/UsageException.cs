using System.Diagnostics.CodeAnalysis;

namespace EventPoll.Cli;

/// <summary>
/// A mistake on the command line, found before any work is done. The message is the whole one-line report
/// (<c>eventpoll COMMAND: ...</c>, naming the option or value at fault and why); the CLI exits 2 on it.
/// </summary>
[SuppressMessage("Design", "CA1064:Exceptions should be public", Justification = "Only the CLI throws and catches it.")]
[SuppressMessage("Design", "CA1032:Implement standard exception constructors", Justification = "A message is always required.")]
internal sealed class UsageException(string message) : Exception(message);

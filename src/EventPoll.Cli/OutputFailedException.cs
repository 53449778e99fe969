using System.Diagnostics.CodeAnalysis;

namespace EventPoll.Cli;

/// <summary>A write to standard output or standard error failed (a full disk, a closed descriptor, a reader that went away).</summary>
[SuppressMessage("Design", "CA1064:Exceptions should be public", Justification = "Only the CLI throws and catches it.")]
[SuppressMessage("Design", "CA1032:Implement standard exception constructors", Justification = "The stream and the cause are always required.")]
internal sealed class OutputFailedException(string stream, Exception inner)
    : Exception($"cannot write to {stream}: {FailureReason.Of(inner)}", inner);

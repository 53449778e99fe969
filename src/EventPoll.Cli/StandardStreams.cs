namespace EventPoll.Cli;

/// <summary>What a command reads and writes: the standard streams (guarded, see <see cref="GuardedWriter"/>) and which of them is a terminal.</summary>
internal sealed record StandardStreams(TextReader In, TextWriter Out, TextWriter Error, Terminal Terminal);

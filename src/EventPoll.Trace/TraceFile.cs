namespace EventPoll.Trace;

/// <summary>A trace held in memory: the path it was read from (used in messages and the <c>==</c> header) and its commands.</summary>
internal sealed record TraceFile(string Path, IReadOnlyList<TraceCommand> Commands);

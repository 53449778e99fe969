namespace EventPoll.Trace;

/// <summary>One output line and the trace line that produced it (0 for the <c>==</c> header).</summary>
internal readonly record struct TraceLine(int SourceLine, string Text);

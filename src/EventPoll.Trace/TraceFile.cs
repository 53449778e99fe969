namespace EventPoll.Trace;

/// <summary>A parsed trace: the path it was read from (used in messages and the <c>==</c> header) and its commands.</summary>
internal sealed record TraceFile(string Path, IReadOnlyList<TraceCommand> Commands)
{
    /// <summary>The file name shown in the output header.</summary>
    public string BaseName => System.IO.Path.GetFileName(Path);
}

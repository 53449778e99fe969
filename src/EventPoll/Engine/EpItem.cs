namespace EventPoll;

// Temporary stub: replaced by the engine.
internal sealed class EpItem
{
    internal static void RemoveAllWatchers(OpenFile file) { _ = file; }
}

namespace EventPoll;

/// <summary>
/// Passed to <see cref="OpenFile.Poll"/> by a caller that wants to hear about future readiness changes
/// (Linux: <c>poll_table</c> with its queue proc). A file calls <see cref="Register"/> once for each wait
/// queue its readiness depends on. A poll without a table only reads the current mask.
/// </summary>
/// <remarks>Only the engine makes tables; a source only calls <see cref="Register"/>, during its poll.</remarks>
public abstract class PollTable
{
    /// <summary>For the engine's own tables.</summary>
    private protected PollTable() { }

    /// <summary>Adds the caller's entry to <paramref name="queue"/>; it then hears every <see cref="WaitQueue.Wake"/> of it.</summary>
    public abstract void Register(WaitQueue queue);
}

namespace EventPoll;

/// <summary>
/// Passed to <see cref="OpenFile.Poll"/> by a caller that wants to hear about future readiness changes
/// (Linux: <c>poll_table</c> with its queue proc). A file calls <see cref="Register"/> once for each wait
/// queue its readiness depends on. A poll without a table only reads the current mask.
/// </summary>
public abstract class PollTable
{
    /// <summary>Adds the caller's entry to <paramref name="queue"/>.</summary>
    public abstract void Register(WaitQueue queue);
}

using Xunit;

namespace EventPoll.Tests.Support;

/// <summary>
/// A fact about spinning: on one processor nothing spins (<see cref="BriefSpin"/>: every budget is 0), so the test
/// could only pass vacuously there; it is reported as skipped instead.
/// </summary>
public sealed class MultiProcessorFactAttribute : FactAttribute
{
    public MultiProcessorFactAttribute()
    {
        if (Environment.ProcessorCount < 2) Skip = "one processor: nothing spins, so there is no spin budget to test";
    }
}

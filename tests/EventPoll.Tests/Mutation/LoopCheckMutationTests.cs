using EventPoll.Tests.Rules;
using Xunit;
using static EventPoll.EpollEvents;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The walk down from a new edge's target must look at every instance the target holds, not stop at the first one
/// within the limit: mutation testing found `if (result > MaxNests) break` turned into `result &lt; MaxNests` (or negated)
/// unnoticed. Linux: ep_loop_check_proc visits every child.
/// </summary>
public class LoopCheckMutationTests
{
    private readonly World _w = new();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ATargetHoldingAShallowInstanceAndAFullChain_IsTooDeepToWatch_WhicheverItHoldsFirst(bool shallowFirst)
    {
        // target -> b1 -> b2 -> b3 -> b4 is a chain of MaxNests edges; target also holds an empty instance.
        int[] chain = [_w.Create(), _w.Create(), _w.Create(), _w.Create()];
        for (int i = chain.Length - 2; i >= 0; i--) Assert.Equal(Errno.None, _w.Add(chain[i], chain[i + 1], In));
        int target = _w.Create();
        int shallow = _w.Create();
        int[] order = shallowFirst ? [shallow, chain[0]] : [chain[0], shallow];
        foreach (int child in order) Assert.Equal(Errno.None, _w.Add(target, child, In));

        // One edge more above the target makes a path of MaxNests + 1 edges.
        int destination = _w.Create();
        Assert.Equal(Errno.ELOOP, _w.Add(destination, target, In));
    }
}

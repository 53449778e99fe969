using EventPoll.Trace;
using Xunit;

namespace EventPoll.Tests.Traces;

/// <summary>The mixed rule for one wait (docs/trace-format.md): each kind in the kernel's order, only ready events, the count.</summary>
public class MixedBatchTests
{
    private static readonly Func<IReadOnlyList<string>> NotCut = () => throw new InvalidOperationException("the kernel's batch was not cut");

    [Fact]
    public void Same_when_the_kernels_batch_interleaves_the_two_kinds_each_in_its_order() =>
        Assert.Equal(Verdict.Same, MixedBatch.Judge(["a", "b", "c"], ["b"], ["a", "c"], kernelAsked: true, 8, NotCut));

    [Fact]
    public void Differs_when_one_kind_is_out_of_the_kernels_order() =>
        Assert.Equal(Verdict.Differs, MixedBatch.Judge(["a", "b", "c"], ["b"], ["c", "a"], kernelAsked: true, 8, NotCut));

    [Fact]
    public void Differs_when_a_wait_that_asked_the_kernel_returns_fewer_than_were_ready() =>
        Assert.Equal(Verdict.Differs, MixedBatch.Judge(["a", "b"], [], ["a"], kernelAsked: true, 8, NotCut));

    [Fact]
    public void Parted_when_a_wait_served_without_the_kernel_leaves_its_events_for_later() =>
        Assert.Equal(Verdict.Parted, MixedBatch.Judge(["a", "b"], [], ["b"], kernelAsked: false, 8, NotCut));

    [Fact]
    public void Differs_when_a_wait_served_without_the_kernel_returns_what_was_not_ready() =>
        Assert.Equal(Verdict.Differs, MixedBatch.Judge(["a", "b"], [], ["c"], kernelAsked: false, 8, NotCut));

    [Fact]
    public void Parted_when_maxevents_cuts_the_batch_elsewhere_among_ready_events() =>
        Assert.Equal(Verdict.Parted, MixedBatch.Judge(["a", "b"], ["c"], ["b"], kernelAsked: true, 2, () => ["a", "b", "c"]));

    [Theory]
    [InlineData("d")] // not ready
    [InlineData("a")] // ready, but a kind out of the kernel's order: c (in-process) came before a
    public void Differs_when_a_cut_batch_is_not_what_the_kernel_had_ready_in_its_order(string second) =>
        Assert.Equal(Verdict.Differs, MixedBatch.Judge(["a", "b"], [], ["c", second], kernelAsked: true, 2, () => ["a", "b", "c"]));

    [Fact]
    public void Differs_when_a_cut_batch_that_asked_the_kernel_is_not_full() =>
        Assert.Equal(Verdict.Differs, MixedBatch.Judge(["a", "b"], ["c"], [], kernelAsked: true, 2, () => ["a", "b", "c"]));
}

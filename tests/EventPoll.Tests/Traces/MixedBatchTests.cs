using EventPoll.Trace;
using Xunit;

namespace EventPoll.Tests.Traces;

/// <summary>The mixed rule for one wait (docs/trace-format.md): each kind in the kernel's order, only ready events, the count.</summary>
public class MixedBatchTests
{
    private static readonly Func<IReadOnlyList<string>> NotCut = () => throw new InvalidOperationException("the kernel's batch was not cut");

    [Fact]
    public void Same_when_the_kernels_batch_interleaves_the_two_kinds_each_in_its_order() =>
        Assert.Equal(Verdict.Same, Judge(["a", "b", "c"], ["b"], ["a", "c"], asked: true, 8, NotCut));

    [Fact]
    public void Differs_when_one_kind_is_out_of_the_kernels_order() =>
        Assert.Equal(Verdict.Differs, Judge(["a", "b", "c"], ["b"], ["c", "a"], asked: true, 8, NotCut));

    [Fact]
    public void Differs_when_a_wait_that_asked_the_kernel_returns_fewer_than_were_ready() =>
        Assert.Equal(Verdict.Differs, Judge(["a", "b"], [], ["a"], asked: true, 8, NotCut));

    [Fact]
    public void Parted_when_a_wait_served_without_the_kernel_leaves_its_events_for_later() =>
        Assert.Equal(Verdict.Parted, Judge(["a", "b"], [], ["b"], asked: false, 8, NotCut));

    [Fact]
    public void Differs_when_a_wait_served_without_the_kernel_returns_what_was_not_ready() =>
        Assert.Equal(Verdict.Differs, Judge(["a", "b"], [], ["c"], asked: false, 8, NotCut));

    [Fact]
    public void Parted_when_maxevents_cuts_the_batch_elsewhere_among_ready_events() =>
        Assert.Equal(Verdict.Parted, Judge(["a", "b"], ["c"], ["b"], asked: true, 2, () => ["a", "b", "c"]));

    [Theory]
    [InlineData("d")] // not ready
    [InlineData("a")] // ready, but a kind out of the kernel's order: c (in-process) came before a
    public void Differs_when_a_cut_batch_is_not_what_the_kernel_had_ready_in_its_order(string second) =>
        Assert.Equal(Verdict.Differs, Judge(["a", "b"], [], ["c", second], asked: true, 2, () => ["a", "b", "c"]));

    [Fact]
    public void Differs_when_a_cut_batch_that_asked_the_kernel_is_not_full() =>
        Assert.Equal(Verdict.Differs, Judge(["a", "b"], ["c"], [], asked: true, 2, () => ["a", "b", "c"]));

    [Theory]
    [InlineData(true, 2)]  // full: the engine's scan of one list may have stopped elsewhere than the kernel's
    [InlineData(false, 8)] // the kernel's list not scanned at all
    public void Parted_when_a_same_batch_of_an_instance_with_both_kinds_left_a_list_unscanned(bool asked, int maxEvents) =>
        Assert.Equal(Verdict.Parted, Judge(["a", "b"], asked ? ["a"] : [], asked ? ["b"] : ["a", "b"], asked, maxEvents, NotCut, bothKinds: true));

    [Fact]
    public void Same_when_an_instance_with_both_kinds_scanned_both_lists_to_their_ends() =>
        Assert.Equal(Verdict.Same, Judge(["a", "b"], ["a"], ["b"], asked: true, 8, NotCut, bothKinds: true));

    private static Verdict Judge(string[] kernel, string[] os, string[] inProcess, bool asked, int maxEvents,
        Func<IReadOnlyList<string>> ready, bool bothKinds = false) =>
        MixedBatch.Judge(kernel, [.. os, .. inProcess], new BatchOrigin(os.Length, asked, bothKinds), maxEvents, ready);
}

using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Engine;

/// <summary>
/// The data words of a kernel side (<see cref="KernelDataWords"/>) against their model: a tag is
/// <c>ReservedBase + (generation &lt;&lt; 20) + index</c>; a freed slot is reused most recently freed first, with the
/// next generation (modulo 2^12), so an older tag resolves to nothing; the by-number records of OS registrations free a
/// number's slot on MOD and DEL and forget it on ADD.
/// </summary>
public class KernelDataWordsTests
{
    private const ulong Base = KernelDataWords.ReservedBase;
    private const int Generations = 1 << 12;
    private const int MaxSlots = (1 << 20) - 1;

    private static ulong TagOf(int generation, int index) => Base + ((ulong)generation << 20) + (ulong)index;

    private static ulong Register(KernelDataWords words, ulong data)
    {
        using (words.Enter())
        {
            Assert.Equal(0, words.TagForUser(data, out ulong tag));
            return tag;
        }
    }

    private static void Free(KernelDataWords words, ulong tag)
    {
        using (words.Enter()) words.Free(tag);
    }

    private static void Commit(KernelDataWords words, EpollOp op, int fd, ulong tag)
    {
        using (words.Enter()) words.Committed(op, fd, tag);
    }

    /// <summary>The user's data word a tag resolves to, or null for a stale tag.</summary>
    private static ulong? Resolve(KernelDataWords words, ulong tag)
    {
        if (!words.TryResolve(tag, out ulong data, out EpItem? item)) return null;
        Assert.Null(item);
        return data;
    }

    [Fact]
    public void AnUnreservedWord_IsRegisteredAsItself_AndTakesNoSlot()
    {
        var words = new KernelDataWords();
        Assert.Equal(5UL, Register(words, 5));
        words.Free(5, locked: false); // no slot, nothing to free (and no slot array to look in)
        Free(words, 0x12345);
        Assert.Equal(TagOf(0, 0), Register(words, Base + 9)); // the first slot is still the first handed out
    }

    [Fact]
    public void AReservedWord_GetsTheNextSlot_WhoseTagResolvesBackToIt()
    {
        var words = new KernelDataWords();
        Assert.Equal(TagOf(0, 0), Register(words, Base + 7));
        Assert.Equal(TagOf(0, 1), Register(words, ulong.MaxValue - 1));
        Assert.Equal(Base + 7, Resolve(words, TagOf(0, 0)));
        Assert.Equal(ulong.MaxValue - 1, Resolve(words, TagOf(0, 1)));
    }

    [Fact]
    public void ATagOfASlotNeverHandedOut_ResolvesToNothing()
    {
        var words = new KernelDataWords();
        Assert.Null(Resolve(words, TagOf(0, 0))); // no slots at all
        for (int i = 0; i < 4; i++) Register(words, Base + (ulong)i); // exactly fills the first array of 4
        Assert.Null(Resolve(words, TagOf(0, 4)));
        Assert.Null(Resolve(words, TagOf(0, 100)));
    }

    [Fact]
    public void AFreedSlot_IsReusedWithTheNextGeneration_AndItsOldTagIsStale()
    {
        var words = new KernelDataWords();
        ulong first = Register(words, Base + 1);
        Free(words, first);
        Assert.Null(Resolve(words, first));
        ulong second = Register(words, Base + 2);
        Assert.Equal(TagOf(1, 0), second);
        Assert.Null(Resolve(words, first));
        Assert.Equal(Base + 2, Resolve(words, second));

        Free(words, first); // stale: the slot's new owner keeps it
        Assert.Equal(Base + 2, Resolve(words, second));
        Assert.Equal(TagOf(0, 1), Register(words, Base + 3)); // and the slot was not put on the free list again

        words.Free(second, locked: false);
        Assert.Null(Resolve(words, second));
        Assert.Equal(TagOf(2, 0), Register(words, Base + 4));
    }

    [Fact]
    public void FreedSlots_AreReusedMostRecentlyFreedFirst_EachOnce()
    {
        var words = new KernelDataWords();
        ulong a = Register(words, Base + 1), b = Register(words, Base + 2);
        Free(words, a);
        Free(words, b);
        ulong c = Register(words, Base + 3), d = Register(words, Base + 4), e = Register(words, Base + 5);
        Assert.Equal([TagOf(1, 1), TagOf(1, 0), TagOf(0, 2)], new[] { c, d, e });
        Assert.Equal(Base + 3, Resolve(words, c));
        Assert.Equal(Base + 4, Resolve(words, d));
        Assert.Equal(Base + 5, Resolve(words, e));
    }

    [Fact]
    public void TheGeneration_WrapsAfter4096Reuses_AndAFreeSlotResolvesNoTagEvenThen()
    {
        var words = new KernelDataWords();
        for (int generation = 0; generation < Generations; generation++)
        {
            ulong tag = Register(words, Base + (ulong)generation);
            Assert.Equal(TagOf(generation, 0), tag);
            Free(words, tag);
        }
        Assert.Null(Resolve(words, TagOf(0, 0))); // the generation is back at 0, but the slot is free
        Assert.Equal(TagOf(0, 0), Register(words, Base));
    }

    [Fact]
    public void TheSlotsRunOut_WithENOSPCAndASentence_AndAFreedOneCanBeHadAgain()
    {
        var words = new KernelDataWords();
        ulong tag = 0;
        for (int i = 0; i < MaxSlots; i++) tag = Register(words, Base);
        Assert.Equal(TagOf(0, MaxSlots - 1), tag);
        using (words.Enter())
        {
            Assert.Equal(-(int)Errno.ENOSPC, words.TagForUser(Base, out _));
            Assert.Equal($"more than {MaxSlots} registrations of this instance need a slot of their own", Failure.Take(Errno.ENOSPC));
        }
        Free(words, tag);
        Assert.Equal(TagOf(1, MaxSlots - 1), Register(words, Base));
    }

    [Fact]
    public void Records_AreKeptOnlyForNumbersWhoseRegistrationHasASlot()
    {
        var words = new KernelDataWords();
        Assert.False(words.HasRecords);
        Commit(words, EpollOp.Add, 7, 5);
        Assert.False(words.HasRecords);
        Commit(words, EpollOp.Del, 7, Base + 3); // a DEL's data word is not a registration's
        Assert.False(words.HasRecords);

        Commit(words, EpollOp.Add, 7, Register(words, Base));
        Assert.True(words.HasRecords);
        ulong eight = Register(words, Base);
        Commit(words, EpollOp.Add, 8, eight);
        Commit(words, EpollOp.Del, 8, 0);
        Assert.Null(Resolve(words, eight)); // DEL freed 8's slot
        Assert.True(words.HasRecords);      // and 7's record stays
        Commit(words, EpollOp.Mod, 7, 5);
        Assert.False(words.HasRecords);
    }

    [Fact]
    public void Mod_FreesTheNumbersPreviousSlot_AndAdd_ForgetsItWithoutFreeing()
    {
        var words = new KernelDataWords();
        ulong added = Register(words, Base + 1);
        Commit(words, EpollOp.Add, 7, added);
        ulong modded = Register(words, Base + 2);
        Commit(words, EpollOp.Mod, 7, modded);
        Assert.Null(Resolve(words, added));
        Assert.Equal(Base + 2, Resolve(words, modded));

        ulong readded = Register(words, Base + 3); // the previous file may live on through a dup, its item still naming `modded`
        Commit(words, EpollOp.Add, 7, readded);
        Assert.Equal(Base + 2, Resolve(words, modded));
        Commit(words, EpollOp.Del, 7, 0);
        Assert.Null(Resolve(words, readded));
        Assert.Equal(Base + 2, Resolve(words, modded)); // forgotten: kept until the instance closes
        Assert.False(words.HasRecords);
    }

    [Fact]
    public void AnUnlockedFree_WaitsForACtlHoldingTheLock()
    {
        var words = new KernelDataWords();
        ulong tag = Register(words, Base + 1);
        var freer = new Thread(() => words.Free(tag, locked: false));
        using (words.Enter())
        {
            freer.Start();
            Bounded.Until(() => (freer.ThreadState & (ThreadState.WaitSleepJoin | ThreadState.Stopped)) != 0, "the free blocking on the lock, or ending");
            Assert.Equal(Base + 1, Resolve(words, tag)); // blocked on the lock, or done without it (the bug)
        }
        Bounded.Join(freer, "the free after the lock was released");
        Assert.Null(Resolve(words, tag));
    }
}

using EventPoll.Reactor;
using Xunit;

namespace EventPoll.Tests.Reactor;

public class ConnectionTableTests
{
    [Fact]
    public void An_event_word_of_a_closed_connection_does_not_reach_the_connection_that_reuses_its_slot()
    {
        var table = new ConnectionTable(null!);
        Connection first = table.Take(fd: 10);
        ulong oldWord = ConnectionTable.Word(first);
        Assert.Same(first, table.Resolve(oldWord));

        first.Fd = -1; // what the loop's close does before returning the slot
        table.Return(first);
        Assert.Null(table.Resolve(oldWord)); // closed: an event still in the batch resolves to nothing

        Connection second = table.Take(fd: 10); // same slot, same descriptor number
        Assert.Same(first, second);
        Assert.Null(table.Resolve(oldWord));
        Assert.Same(second, table.Resolve(ConnectionTable.Word(second)));
    }

    [Fact]
    public void Data_words_stay_below_the_engines_reserved_range()
    {
        var table = new ConnectionTable(null!);
        Connection c = table.Take(fd: 3);
        c.Generation = 0x7FFF_FFFF;
        Assert.False(KernelDataWords.IsReserved(ConnectionTable.Word(c)));
    }

    [Fact]
    public void A_returned_slot_is_taken_again_before_a_new_one_and_the_others_are_left_alone()
    {
        var table = new ConnectionTable(null!);
        Connection a = table.Take(fd: 10);
        Connection b = table.Take(fd: 11);
        Close(table, b);
        Connection again = table.Take(fd: 12);
        Assert.Same(b, again);
        Assert.Equal(12, again.Fd);
        Assert.Equal(10, a.Fd);
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void A_slots_generation_starts_at_1_moves_on_with_each_reuse_and_wraps_from_31_bits_to_1()
    {
        var table = new ConnectionTable(null!);
        Connection c = table.Take(fd: 3);
        Assert.Equal(1u, c.Generation);
        Close(table, c);
        Assert.Equal(2u, table.Take(fd: 3).Generation);
        c.Generation = 0x7FFF_FFFF;
        Close(table, c);
        Assert.Equal(1u, table.Take(fd: 3).Generation); // not 2^31 (a word past 63 bits) nor 0 (the loop's own words)
    }

    [Fact]
    public void A_word_naming_a_slot_never_used_resolves_to_nothing()
    {
        var table = new ConnectionTable(null!);
        Assert.Null(table.Resolve(1UL << 32)); // slot 0 of an empty table
        Connection c = table.Take(fd: 3);
        Assert.Null(table.Resolve((ulong)c.Generation << 32 | 1));
    }

    [Fact]
    public void A_connection_on_descriptor_0_is_open_resolves_and_is_listed()
    {
        var table = new ConnectionTable(null!);
        Connection c = table.Take(fd: 0);
        Assert.True(c.IsOpen);
        Assert.Same(c, table.Resolve(ConnectionTable.Word(c)));
        Assert.Equal([c], table.Open());
    }

    [Fact]
    public void An_id_resolves_to_its_connection_until_the_connection_closes()
    {
        var table = new ConnectionTable(null!);
        table.Take(fd: 3);
        Connection c = table.Take(fd: 4); // slot 1, generation 1
        var id = new ConnectionId(Loop: 0, c.Slot, c.Generation);
        Assert.Same(c, table.Resolve(id));
        Close(table, c);
        Assert.Null(table.Resolve(id));
        table.Take(fd: 4);
        Assert.Null(table.Resolve(id)); // the slot's next connection is not the one the id names
    }

    [Fact]
    public void The_table_grows_past_its_first_64_slots_and_takes_every_one_back()
    {
        var table = new ConnectionTable(null!);
        Connection[] all = [.. Enumerable.Range(3, 200).Select(table.Take)];
        Assert.Equal(Enumerable.Range(0, 200), all.Select(c => c.Slot));
        Assert.All(all, c => Assert.Same(c, table.Resolve(ConnectionTable.Word(c))));
        foreach (Connection c in all) Close(table, c);
        Assert.Equal(0, table.Count);
        Assert.Empty(table.Open());
        Assert.Equal(all.Reverse(), Enumerable.Range(3, 200).Select(table.Take)); // the free slots, last returned first
    }

    /// <summary>What the loop's close does: the descriptor goes, then the slot is returned.</summary>
    private static void Close(ConnectionTable table, Connection connection)
    {
        connection.Fd = -1;
        table.Return(connection);
    }
}

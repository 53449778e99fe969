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
}

using EventPoll.Trace;
using Xunit;

namespace EventPoll.Tests.Traces;

public class EventFormatTests
{
    [Theory]
    [InlineData(0u, "0")]
    [InlineData(0x1u, "IN")]
    [InlineData(0x19u, "IN|ERR|HUP")]
    [InlineData(0x2041u, "IN|RDNORM|RDHUP")]
    [InlineData(0x80000010u, "HUP|ET")]
    [InlineData(0xF0000000u, "EXCLUSIVE|WAKEUP|ONESHOT|ET")]
    [InlineData(0x7FFu, "IN|PRI|OUT|ERR|HUP|NVAL|RDNORM|RDBAND|WRNORM|WRBAND|MSG")]
    [InlineData(0x4001u, "IN|0x4000")]
    [InlineData(0x0C805000u, "0xc805000")]
    [InlineData(0x40804001u, "IN|ONESHOT|0x804000")]
    public void Formats_in_ascending_bit_order_with_unknown_bits_last(uint mask, string text)
    {
        Assert.Equal(text, EventFormat.Format((EpollEvents)mask));
        Assert.Equal((EpollEvents)mask, EventFormat.TryParse(text, out _));
    }

    [Theory]
    [InlineData("ET|IN", 0x80000001u)]
    [InlineData("0x19", 0x19u)]
    [InlineData("0X19", 0x19u)]
    [InlineData("0|IN", 0x1u)]
    [InlineData("0xffffffff", 0xFFFFFFFFu)]
    public void Parses_names_zero_and_hex(string text, uint mask) =>
        Assert.Equal((EpollEvents)mask, EventFormat.TryParse(text, out _));

    [Theory]
    [InlineData("in")]
    [InlineData("EPOLLIN")]
    [InlineData("0x")]
    [InlineData("0x100000000")]
    [InlineData("1")]
    public void Rejects_unknown_parts(string text) => Assert.Null(EventFormat.TryParse(text, out _));

    [Theory]
    [InlineData(9, "EBADF")]
    [InlineData(11, "EAGAIN")]
    [InlineData(22, "EINVAL")]
    [InlineData(40, "ELOOP")]
    [InlineData(41, "E41")]
    [InlineData(95, "EOPNOTSUPP")]
    [InlineData(104, "ECONNRESET")]
    [InlineData(107, "ENOTCONN")]
    [InlineData(125, "ECANCELED")]
    [InlineData(133, "EHWPOISON")]
    [InlineData(134, "E134")]
    public void Errno_names_follow_linux_numbering(int errno, string name) => Assert.Equal(name, ErrnoNames.Name(errno));

    [Fact]
    public void Errno_names_agree_with_the_library_enum()
    {
        foreach (Errno e in Enum.GetValues<Errno>().Where(e => e != Errno.None))
        {
            Assert.Equal(e.ToString(), ErrnoNames.Name((int)e));
        }
    }
}

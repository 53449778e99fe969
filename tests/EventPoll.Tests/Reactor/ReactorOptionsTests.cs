using System.Net;
using EventPoll.Reactor;
using EventPoll.Tests.Traces;
using Xunit;

namespace EventPoll.Tests.Reactor;

/// <summary>What a <see cref="TcpReactor"/> refuses before it opens anything, and the smallest options it takes.</summary>
public class ReactorOptionsTests
{
    private static readonly IPEndPoint AnyPort = new(IPAddress.Loopback, 0);

    [Fact]
    public void A_reactor_refuses_null_options_and_a_null_handler_factory_naming_the_parameter()
    {
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => new TcpReactor(null!, Lines)).ParamName);
        Assert.Equal("handlerFactory", Assert.Throws<ArgumentNullException>(() => new TcpReactor(new ReactorOptions { EndPoint = AnyPort }, null!)).ParamName);
    }

    [Theory]
    [InlineData(nameof(ReactorOptions.Loops), "a reactor needs at least one loop")]
    [InlineData(nameof(ReactorOptions.Backlog), "the listen backlog must be positive")]
    [InlineData(nameof(ReactorOptions.MaxUnconsumedInput), "must be positive")]
    [InlineData(nameof(ReactorOptions.HeaderTimeout), "must be positive")]
    [InlineData(nameof(ReactorOptions.IdleTimeout), "must be positive")]
    public void A_reactor_refuses_an_option_at_zero_naming_the_option_its_value_and_the_rule(string option, string rule)
    {
        object zero = option is nameof(ReactorOptions.HeaderTimeout) or nameof(ReactorOptions.IdleTimeout) ? TimeSpan.Zero : 0;
        ReactorOptions options = option switch
        {
            nameof(ReactorOptions.Loops) => new() { EndPoint = AnyPort, Loops = 0 },
            nameof(ReactorOptions.Backlog) => new() { EndPoint = AnyPort, Backlog = 0 },
            nameof(ReactorOptions.MaxUnconsumedInput) => new() { EndPoint = AnyPort, MaxUnconsumedInput = 0 },
            nameof(ReactorOptions.HeaderTimeout) => new() { EndPoint = AnyPort, HeaderTimeout = TimeSpan.Zero },
            _ => new() { EndPoint = AnyPort, IdleTimeout = TimeSpan.Zero },
        };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new TcpReactor(options, Lines));
        Assert.Equal(option, e.ParamName);
        Assert.Equal(zero, e.ActualValue);
        Assert.Equal(new ArgumentOutOfRangeException(option, zero, rule).Message, e.Message);
    }

    [LinuxFact]
    public void A_reactor_takes_a_backlog_of_1_and_a_one_byte_input_limit_and_answers()
    {
        var options = new ReactorOptions { EndPoint = AnyPort, Loops = 1, Backlog = 1, MaxUnconsumedInput = 1 };
        using var reactor = new TcpReactor(options, Lines);
        using var client = ReactorClient.Connect(reactor);
        ReactorClient.Send(client, "\n"); // one byte: a complete line within the limit
        Assert.Equal("ok:\n", ReactorClient.Receive(client, 4));
    }

    private static IConnectionHandler Lines(EventLoop loop) => new LineHandler(new ReactorEvents());
}

using EventPoll.Reactor;

namespace EventPoll.Samples.Http;

/// <summary>
/// HTTP/1.1 on a reactor loop: each connection's bytes go through its own <see cref="HttpRequestParser"/>, and the
/// responses to a pipelined batch are written straight into the loop's send buffer (<see cref="Connection.GetSpan"/>),
/// so the loop answers them with one send. One handler per loop, so the parsers' pool and the Date header need no
/// lock; a connection borrows a parser from the pool while it is open, and steady state allocates nothing.
/// </summary>
public sealed class HttpConnectionHandler : IConnectionHandler
{
    private readonly EventLoop _loop;
    private readonly DateHeader _date = new();
    private readonly HttpResponseWriter _writer;
    private readonly int _maxHeaderBytes;
    private readonly Stack<ParserBox> _parsers = new();
    private long _dateSecond = -1;

    /// <summary>A handler for <paramref name="loop"/> whose 200 responses carry <paramref name="body"/>.</summary>
    public HttpConnectionHandler(EventLoop loop, ReadOnlySpan<byte> body, int maxHeaderBytes = HttpRequestParser.DefaultMaxHeaderBytes)
    {
        ArgumentNullException.ThrowIfNull(loop);
        _loop = loop;
        _writer = new HttpResponseWriter(_date, body);
        _maxHeaderBytes = maxHeaderBytes;
    }

    /// <inheritdoc />
    public void OnOpened(Connection connection)
        => connection.Context = _parsers.TryPop(out ParserBox? box) ? box : new ParserBox(_maxHeaderBytes);

    /// <inheritdoc />
    public void OnClosed(Connection connection, CloseReason reason)
    {
        if (connection.Context is not ParserBox box) return;
        box.Parser.Reset();
        _parsers.Push(box);
        connection.Context = null;
    }

    /// <inheritdoc />
    public int OnReceived(Connection connection, ReadOnlySpan<byte> received)
    {
        RefreshDate();
        var box = (ParserBox)connection.Context!;
        int total = 0;
        while (true)
        {
            Span<byte> output = connection.GetSpan(_writer.MaxResponseLength);
            HttpPipelineResult result = HttpPipeline.Respond(ref box.Parser, _writer, received[total..], output, out int consumed, out int written);
            connection.Advance(written);
            total += consumed;
            switch (result)
            {
                case HttpPipelineResult.NeedMoreData:
                    return total;
                case HttpPipelineResult.Close:
                    connection.Close(); // after the response is sent; unread bytes behind it make the loop linger
                    return total;
                default:
                    continue; // OutputFull: the next GetSpan sends what is written and gives room again
            }
        }
    }

    // The loop's clock moves once per wakeup; the header text is rebuilt when its second changes.
    private void RefreshDate()
    {
        long second = _loop.Now / 1000;
        if (second == _dateSecond) return;
        _dateSecond = second;
        _date.Refresh();
    }

    /// <summary>A parser on the heap, so a connection can hold it in <see cref="Connection.Context"/>.</summary>
    private sealed class ParserBox(int maxHeaderBytes)
    {
        public HttpRequestParser Parser = new(maxHeaderBytes);
    }
}

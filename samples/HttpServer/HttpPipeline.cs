namespace EventPoll.Samples.Http;

/// <summary>
/// The loop a connection runs over its received bytes: parse a request, write its response, repeat, so that pipelined
/// requests (RFC 9112 §9.3.2) are answered in the order they came, and stop at the first response after which the
/// connection closes. It leaves out the I/O: the caller reads, sends and closes.
/// </summary>
public static class HttpPipeline
{
    /// <summary>
    /// Answers every complete request at the start of <paramref name="received"/> whose response fits in
    /// <paramref name="output"/>. The caller drops the first <paramref name="consumed"/> received bytes (keeping the
    /// rest for the next call, as <see cref="HttpRequestParser.Parse"/> requires) and sends the first
    /// <paramref name="written"/> output bytes; the result says what the connection does next.
    /// </summary>
    public static HttpPipelineResult Respond(ref HttpRequestParser parser, HttpResponseWriter writer,
        ReadOnlySpan<byte> received, Span<byte> output, out int consumed, out int written)
    {
        ArgumentNullException.ThrowIfNull(writer);
        consumed = 0;
        written = 0;
        while (true)
        {
            if (consumed == received.Length) return HttpPipelineResult.NeedMoreData;
            // Space is checked before parsing: a parsed request must be answered, it cannot be put back.
            if (output.Length - written < writer.MaxResponseLength) return HttpPipelineResult.OutputFull;

            HttpParseStatus status = parser.Parse(received[consumed..], out HttpRequest request, out int used);
            consumed += used;
            if (status == HttpParseStatus.NeedMoreData) return HttpPipelineResult.NeedMoreData;

            writer.TryWrite(output[written..], request, out int length);
            written += length;
            if (!request.KeepAlive) return HttpPipelineResult.Close;
        }
    }
}

/// <summary>What a connection does after <see cref="HttpPipeline.Respond"/>, once the written bytes are sent.</summary>
public enum HttpPipelineResult
{
    /// <summary>Every received byte is consumed or is part of an incomplete request: read more.</summary>
    NeedMoreData,

    /// <summary>The output has no room for another response: send it, then call again with the unconsumed bytes.</summary>
    OutputFull,

    /// <summary>The last response written closes the connection (<c>Connection: close</c>, HTTP/1.0 or a rejection):
    /// send it and close; later bytes are not read.</summary>
    Close,
}

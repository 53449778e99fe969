using System.Net;
using System.Text;

namespace EventPoll.Samples.Http;

/// <summary>
/// Writes the sample server's responses into a caller's buffer, allocation-free: each response is three or four
/// copies of bytes prepared when the writer is made (status line and fixed fields, the <see cref="DateHeader"/>'s
/// bytes, the Connection field and empty line, the body).
/// <para>
/// Implements of RFC 9112 and RFC 9110: an HTTP/1.1 status line (§4); Content-Length on every response, the body's
/// length also for HEAD, which gets no body (RFC 9110 §9.3.2); Date (§6.6.1); Server; Content-Type: text/plain on 200;
/// Allow: GET, HEAD on 405 (§15.5.6); <c>Connection: close</c> when the connection closes after the response (RFC 9112
/// §9.6), and <c>Connection: keep-alive</c> when an HTTP/1.0 request's connection persists (§9.3, which a 1.0 client
/// otherwise takes as closing). Error responses (400, 404, 405, 431, 501, 505) have an empty body.
/// </para>
/// <para>
/// Left out: any other status, chunked responses, content negotiation; one writer serves one fixed body. A writer is
/// immutable but for its <see cref="DateHeader"/>, so it belongs to the loop that refreshes that header.
/// </para>
/// </summary>
public sealed class HttpResponseWriter
{
    private readonly DateHeader _date;
    private readonly byte[] _body;
    private readonly byte[] _ok;
    private readonly byte[] _badRequest;
    private readonly byte[] _notFound;
    private readonly byte[] _methodNotAllowed;
    private readonly byte[] _headerFieldsTooLarge;
    private readonly byte[] _notImplemented;
    private readonly byte[] _versionNotSupported;

    /// <summary>A writer whose 200 responses carry <see cref="DefaultBody"/>.</summary>
    public HttpResponseWriter(DateHeader date) : this(date, DefaultBody)
    {
    }

    /// <summary>A writer whose 200 responses carry <paramref name="body"/> (copied).</summary>
    public HttpResponseWriter(DateHeader date, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(date);
        _date = date;
        _body = body.ToArray();
        _ok = Head("200 OK", $"Content-Length: {_body.Length}\r\nContent-Type: text/plain\r\n");
        _badRequest = Head("400 Bad Request", EmptyBody);
        _notFound = Head("404 Not Found", EmptyBody);
        _methodNotAllowed = Head("405 Method Not Allowed", "Allow: GET, HEAD\r\n" + EmptyBody);
        _headerFieldsTooLarge = Head("431 Request Header Fields Too Large", EmptyBody);
        _notImplemented = Head("501 Not Implemented", EmptyBody);
        _versionNotSupported = Head("505 HTTP Version Not Supported", EmptyBody);

        int longestHead = 0;
        foreach (byte[] head in (ReadOnlySpan<byte[]>)[_ok, _badRequest, _notFound, _methodNotAllowed, _headerFieldsTooLarge, _notImplemented, _versionNotSupported])
            longestHead = Math.Max(longestHead, head.Length);
        MaxResponseLength = longestHead + DateHeader.Length + KeepAliveEnd.Length + _body.Length;
    }

    /// <summary>The TechEmpower plaintext body.</summary>
    public static ReadOnlySpan<byte> DefaultBody => "Hello, World!"u8;

    /// <summary>The longest response this writer writes: a buffer this long always has room for one.</summary>
    public int MaxResponseLength { get; }

    private const string EmptyBody = "Content-Length: 0\r\n";

    // Each ends the Date field's line, adds the Connection field if any, and ends the head with the empty line.
    private static ReadOnlySpan<byte> PersistEnd => "\r\n\r\n"u8;
    private static ReadOnlySpan<byte> CloseEnd => "\r\nConnection: close\r\n\r\n"u8;
    private static ReadOnlySpan<byte> KeepAliveEnd => "\r\nConnection: keep-alive\r\n\r\n"u8;

    /// <summary>
    /// Writes the response <paramref name="request"/> is owed (its <see cref="HttpRequest.Status"/>) at the start of
    /// <paramref name="destination"/>; false, with nothing written, when it does not fit.
    /// </summary>
    public bool TryWrite(Span<byte> destination, in HttpRequest request, out int written)
    {
        ReadOnlySpan<byte> head = HeadFor(request.Status);
        ReadOnlySpan<byte> end = !request.KeepAlive ? CloseEnd : request.MinorVersion == 0 ? KeepAliveEnd : PersistEnd;
        ReadOnlySpan<byte> body = request.Status == HttpStatusCode.OK && request.Method != HttpMethodKind.Head ? _body : default;
        int length = head.Length + DateHeader.Length + end.Length + body.Length;
        if (destination.Length < length)
        {
            written = 0;
            return false;
        }

        head.CopyTo(destination);
        int at = head.Length;
        _date.Text.CopyTo(destination[at..]);
        at += DateHeader.Length;
        end.CopyTo(destination[at..]);
        body.CopyTo(destination[(at + end.Length)..]);
        written = length;
        return true;
    }

    private byte[] HeadFor(HttpStatusCode status) => status switch
    {
        HttpStatusCode.OK => _ok,
        HttpStatusCode.BadRequest => _badRequest,
        HttpStatusCode.NotFound => _notFound,
        HttpStatusCode.MethodNotAllowed => _methodNotAllowed,
        HttpStatusCode.RequestHeaderFieldsTooLarge => _headerFieldsTooLarge,
        HttpStatusCode.NotImplemented => _notImplemented,
        HttpStatusCode.HttpVersionNotSupported => _versionNotSupported,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Not a status HttpRequestParser produces; a default HttpRequest has none."),
    };

    /// <summary>The status line and fields before the Date value, which the response goes on to write.</summary>
    private static byte[] Head(string status, string fields) =>
        Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\n{fields}Server: EventPoll\r\nDate: ");
}

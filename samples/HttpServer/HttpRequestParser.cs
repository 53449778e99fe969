using System.Net;
using System.Text;

namespace EventPoll.Samples.Http;

/// <summary>
/// An incremental, allocation-free HTTP/1.1 request parser for the sample server: one per connection, kept in a field
/// (a mutable struct: never copy it) and fed the received bytes.
/// <para>
/// Implements of RFC 9112: the request line (§3: method token, one SP, a target without controls or spaces, one SP,
/// <c>HTTP/d.d</c>); header fields (§5: a token name directly followed by a colon, a value without control bytes, OWS
/// trimmed); CRLF line ends; empty lines before a request line ignored (§2.2); Host required once in HTTP/1.1 (§3.2);
/// Content-Length bodies skipped, across any number of reads (§6.3); persistence (§9.3): HTTP/1.1 keeps the
/// connection unless a Connection option is <c>close</c>, HTTP/1.0 closes unless one is <c>keep-alive</c> (options
/// are a comma-separated, case-insensitive list, in any number of Connection fields).
/// </para>
/// <para>
/// Decisions: GET and HEAD of <c>/</c> (with any query) are 200; any method on another target is 404; a method other
/// than GET or HEAD on <c>/</c> is 405 (RFC 9110 §15.5.6). Rejected, then closed: a malformed request line or field, a
/// bare LF or bare CR, an obs-fold line (§5.2 allows rejecting it), a missing or repeated Host in HTTP/1.1, a
/// Content-Length that is not 1 to 18 digits or that differs from an earlier one: 400; a request head (request line,
/// fields and the empty line, with any empty lines before it) longer than <see cref="MaxHeaderBytes"/>: 431, as soon
/// as the bytes received pass the limit; Transfer-Encoding (chunked bodies are not implemented): 501 (§6.1 and RFC
/// 9110 §15.6.2); a major version other than 1: 505.
/// </para>
/// <para>
/// Left out: absolute-form and authority-form targets (404 and 400), percent-decoding of the target, chunked request
/// bodies, trailers, Expect: 100-continue (the response is sent at once, which a client also accepts), bare LF as a
/// line end (§2.2 allows it; refusing it leaves no room for request smuggling), 414 for a long target (it counts
/// toward the head's limit and gets 431), and upgrades.
/// </para>
/// </summary>
public struct HttpRequestParser
{
    /// <summary>The default limit on a request head: 8 KiB, nginx's and Kestrel's order of magnitude.</summary>
    public const int DefaultMaxHeaderBytes = 8 * 1024;

    /// <summary>The most Content-Length digits accepted: 10^18 - 1 cannot overflow a long.</summary>
    private const int MaxContentLengthDigits = 18;

    private readonly int _maxHeaderBytes;
    private Phase _phase;
    private HttpStatusCode _failure;
    // Bytes of the current head already consumed (whole lines), counted against the limit.
    private int _headBytes;
    // Bytes at the start of the pending (unconsumed) line already searched for its LF: a head arriving a byte at a
    // time is searched once, not once per read.
    private int _searched;
    private long _bodyLeft;
    private Head _head;

    /// <param name="maxHeaderBytes">The longest request head accepted (431 past it).</param>
    public HttpRequestParser(int maxHeaderBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxHeaderBytes, 1);
        _maxHeaderBytes = maxHeaderBytes;
    }

    /// <summary>The longest request head accepted; <c>default(HttpRequestParser)</c> has <see cref="DefaultMaxHeaderBytes"/>.</summary>
    public readonly int MaxHeaderBytes => _maxHeaderBytes == 0 ? DefaultMaxHeaderBytes : _maxHeaderBytes;

    private enum Phase : byte
    {
        RequestLine,
        HeaderFields,
        Body,
        Failed,
    }

    /// <summary>
    /// Parses the next request from <paramref name="received"/>. The caller drops the first <paramref name="consumed"/>
    /// bytes and passes the rest again, followed by whatever arrives next, on the following call: unconsumed bytes
    /// are the start of a line or request this parser has partly seen. <see cref="HttpParseStatus.Complete"/>
    /// returns one request (call again for pipelined ones); <see cref="HttpParseStatus.NeedMoreData"/> may still
    /// consume bytes (whole header lines, skipped body bytes); after <see cref="HttpParseStatus.Invalid"/> every
    /// call returns the same rejection until <see cref="Reset"/>.
    /// </summary>
    public HttpParseStatus Parse(ReadOnlySpan<byte> received, out HttpRequest request, out int consumed)
    {
        consumed = 0;
        request = default;
        if (_phase == Phase.Failed) return Reject(_failure, out request);
        if (_phase == Phase.Body)
        {
            consumed = SkipBody(received);
            if (_phase == Phase.Body) return HttpParseStatus.NeedMoreData;
        }

        int limit = MaxHeaderBytes;
        while (true)
        {
            ReadOnlySpan<byte> pending = received[consumed..];
            int lineFeed = pending[_searched..].IndexOf((byte)'\n');
            if (lineFeed < 0)
            {
                if (_headBytes + pending.Length > limit) return Reject(HttpStatusCode.RequestHeaderFieldsTooLarge, out request);
                _searched = pending.Length;
                return HttpParseStatus.NeedMoreData;
            }

            lineFeed += _searched;
            _searched = 0;
            _headBytes += lineFeed + 1;
            if (_headBytes > limit) return Reject(HttpStatusCode.RequestHeaderFieldsTooLarge, out request);
            if (lineFeed == 0 || pending[lineFeed - 1] != (byte)'\r') return Reject(HttpStatusCode.BadRequest, out request);
            ReadOnlySpan<byte> line = pending[..(lineFeed - 1)];
            consumed += lineFeed + 1;

            HttpStatusCode failure;
            if (_phase == Phase.RequestLine)
            {
                if (line.IsEmpty) continue; // RFC 9112 §2.2: an empty line before a request line is ignored
                failure = ReadRequestLine(line);
                _phase = Phase.HeaderFields;
            }
            else if (line.IsEmpty)
            {
                return Finish(received, ref consumed, out request);
            }
            else
            {
                failure = ReadField(line);
            }

            if (failure != 0) return Reject(failure, out request);
        }
    }

    /// <summary>Forgets everything, for a new connection; the limit stays.</summary>
    public void Reset() => this = _maxHeaderBytes == 0 ? default : new HttpRequestParser(_maxHeaderBytes);

    private HttpStatusCode ReadRequestLine(ReadOnlySpan<byte> line)
    {
        int space = line.IndexOf((byte)' ');
        if (space < 0) return HttpStatusCode.BadRequest;
        ReadOnlySpan<byte> method = line[..space];
        ReadOnlySpan<byte> rest = line[(space + 1)..];
        space = rest.IndexOf((byte)' ');
        if (space <= 0 || !HttpSyntax.IsToken(method)) return HttpStatusCode.BadRequest;
        ReadOnlySpan<byte> target = rest[..space];
        ReadOnlySpan<byte> version = rest[(space + 1)..];
        if (target.ContainsAnyExceptInRange((byte)0x21, (byte)0x7E)) return HttpStatusCode.BadRequest;
        if (version.Length != 8 || !version.StartsWith("HTTP/"u8) || !char.IsAsciiDigit((char)version[5])
            || version[6] != (byte)'.' || !char.IsAsciiDigit((char)version[7]))
            return HttpStatusCode.BadRequest;
        if (version[5] != (byte)'1') return HttpStatusCode.HttpVersionNotSupported;

        _head.MinorVersion = version[7] == (byte)'0' ? 0 : 1;
        _head.Method = method.SequenceEqual("GET"u8) ? HttpMethodKind.Get
            : method.SequenceEqual("HEAD"u8) ? HttpMethodKind.Head
            : HttpMethodKind.Other;
        _head.TargetIsRoot = target.SequenceEqual("/"u8) || target.StartsWith("/?"u8);
        return 0;
    }

    private HttpStatusCode ReadField(ReadOnlySpan<byte> line)
    {
        int colon = line.IndexOf((byte)':');
        // An empty name, a space before the colon (RFC 9112 §5.1) and an obs-fold line (§5.2) all fail the token test.
        if (colon < 0 || !HttpSyntax.IsToken(line[..colon])) return HttpStatusCode.BadRequest;
        ReadOnlySpan<byte> name = line[..colon];
        ReadOnlySpan<byte> value = line[(colon + 1)..];
        if (value.ContainsAny(HttpSyntax.FieldValueControlBytes)) return HttpStatusCode.BadRequest;
        value = value.Trim(HttpSyntax.Whitespace);

        switch (name.Length)
        {
            case 4 when Ascii.EqualsIgnoreCase(name, "Host"u8):
                return ++_head.HostCount > 1 ? HttpStatusCode.BadRequest : 0;
            case 10 when Ascii.EqualsIgnoreCase(name, "Connection"u8):
                ReadConnectionOptions(value);
                return 0;
            case 14 when Ascii.EqualsIgnoreCase(name, "Content-Length"u8):
                return ReadContentLength(value);
            case 17 when Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8):
                return HttpStatusCode.NotImplemented;
            default:
                return 0;
        }
    }

    private void ReadConnectionOptions(ReadOnlySpan<byte> options)
    {
        while (true)
        {
            int comma = options.IndexOf((byte)',');
            ReadOnlySpan<byte> option = (comma < 0 ? options : options[..comma]).Trim(HttpSyntax.Whitespace);
            if (Ascii.EqualsIgnoreCase(option, "close"u8)) _head.ConnectionClose = true;
            else if (Ascii.EqualsIgnoreCase(option, "keep-alive"u8)) _head.ConnectionKeepAlive = true;
            if (comma < 0) return;
            options = options[(comma + 1)..];
        }
    }

    private HttpStatusCode ReadContentLength(ReadOnlySpan<byte> digits)
    {
        if (digits.IsEmpty || digits.Length > MaxContentLengthDigits || digits.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
            return HttpStatusCode.BadRequest;
        long length = 0;
        foreach (byte digit in digits) length = length * 10 + (digit - '0');
        // RFC 9112 §6.3: differing lengths make the message's framing unknowable.
        if (_head.ContentLength >= 0 && _head.ContentLength != length) return HttpStatusCode.BadRequest;
        _head.ContentLength = length;
        return 0;
    }

    private HttpParseStatus Finish(ReadOnlySpan<byte> received, ref int consumed, out HttpRequest request)
    {
        Head head = _head;
        if (head.MinorVersion == 1 && head.HostCount == 0) return Reject(HttpStatusCode.BadRequest, out request);

        bool keepAlive = !head.ConnectionClose && (head.MinorVersion == 1 || head.ConnectionKeepAlive);
        HttpStatusCode status = !head.TargetIsRoot ? HttpStatusCode.NotFound
            : head.Method == HttpMethodKind.Other ? HttpStatusCode.MethodNotAllowed
            : HttpStatusCode.OK;
        long contentLength = Math.Max(head.ContentLength, 0);
        request = new HttpRequest(status, head.Method, head.TargetIsRoot, head.MinorVersion, keepAlive, contentLength);

        _head = default;
        _headBytes = 0;
        _phase = Phase.RequestLine;
        if (contentLength > 0)
        {
            _bodyLeft = contentLength;
            _phase = Phase.Body;
            consumed += SkipBody(received[consumed..]);
        }

        return HttpParseStatus.Complete;
    }

    private int SkipBody(ReadOnlySpan<byte> received)
    {
        int skipped = (int)Math.Min(_bodyLeft, received.Length);
        _bodyLeft -= skipped;
        if (_bodyLeft == 0) _phase = Phase.RequestLine;
        return skipped;
    }

    private HttpParseStatus Reject(HttpStatusCode status, out HttpRequest request)
    {
        _phase = Phase.Failed;
        _failure = status;
        request = HttpRequest.Rejected(status);
        return HttpParseStatus.Invalid;
    }

    /// <summary>What the fields of the head being parsed said so far; <c>default</c> is a fresh head.</summary>
    private struct Head
    {
        public HttpMethodKind Method;
        public bool TargetIsRoot;
        public int MinorVersion;
        public bool ConnectionClose;
        public bool ConnectionKeepAlive;
        public int HostCount;
        // -1 until a Content-Length field: default(Head) must mean "none", so it is stored plus one.
        private long _contentLengthPlusOne;

        public long ContentLength
        {
            readonly get => _contentLengthPlusOne - 1;
            set => _contentLengthPlusOne = value + 1;
        }
    }
}

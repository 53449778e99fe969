using System.Net;

namespace EventPoll.Samples.Http;

/// <summary>
/// What <see cref="HttpRequestParser"/> learned from one request head: no more than the sample server needs to
/// answer it. The method and target are classified, not kept (RFC 9112 §3); the version is HTTP/1.0 or HTTP/1.1
/// (a later HTTP/1.x counts as 1.1, RFC 9110 §2.5); <see cref="Status"/> is the response the request is owed.
/// A rejected request (400, 431, 501, 505) carries only its status and never keeps the connection alive.
/// </summary>
public readonly struct HttpRequest
{
    internal HttpRequest(HttpStatusCode status, HttpMethodKind method, bool targetIsRoot, int minorVersion, bool keepAlive,
        long contentLength)
    {
        Status = status;
        Method = method;
        TargetIsRoot = targetIsRoot;
        MinorVersion = minorVersion;
        KeepAlive = keepAlive;
        ContentLength = contentLength;
    }

    /// <summary>The response this request gets: 200, 404 (a target other than /), 405 (a method other than GET or
    /// HEAD on /), or the rejection's 400, 431, 501 or 505.</summary>
    public HttpStatusCode Status { get; }

    public HttpMethodKind Method { get; }

    /// <summary>Whether the target is <c>/</c>, with or without a query (origin-form only; RFC 9112 §3.2.1).</summary>
    public bool TargetIsRoot { get; }

    /// <summary>0 for HTTP/1.0, 1 for HTTP/1.1 (and later HTTP/1.x).</summary>
    public int MinorVersion { get; }

    /// <summary>Whether the connection stays open after the response (RFC 9112 §9.3).</summary>
    public bool KeepAlive { get; }

    /// <summary>The body length the request declared (0 without Content-Length); the parser skips that many bytes.</summary>
    public long ContentLength { get; }

    internal static HttpRequest Rejected(HttpStatusCode status) => new(status, HttpMethodKind.Other, false, 1, false, 0);
}

/// <summary>The methods the sample server tells apart; every other method is <see cref="Other"/> (405 on /).</summary>
public enum HttpMethodKind : byte
{
    Other,
    Get,
    Head,
}

/// <summary>The outcome of one <see cref="HttpRequestParser.Parse"/> call.</summary>
public enum HttpParseStatus
{
    /// <summary>No complete request head yet (or a body still being skipped): read more and call again.</summary>
    NeedMoreData,

    /// <summary>A request head is complete: answer it, then parse the bytes after the consumed ones.</summary>
    Complete,

    /// <summary>The input is not acceptable HTTP/1.1: answer with the rejection's status, then close.</summary>
    Invalid,
}

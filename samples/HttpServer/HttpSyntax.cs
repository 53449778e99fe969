using System.Buffers;

namespace EventPoll.Samples.Http;

/// <summary>
/// The byte classes of RFC 9110 §5.6 the parser checks, as <see cref="SearchValues{T}"/> so that each check is one
/// vectorised scan of a line's part rather than a loop over its bytes.
/// </summary>
internal static class HttpSyntax
{
    /// <summary>tchar: the bytes of a token (a method, a field name, a Connection option).</summary>
    public static readonly SearchValues<byte> TokenBytes =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>
    /// The control bytes a field value may not hold (RFC 9110 §5.5: field-vchar, SP, HTAB and obs-text are allowed).
    /// CR is among them, so a bare CR inside a line is rejected, never taken as a line end (RFC 9112 §2.2).
    /// </summary>
    public static readonly SearchValues<byte> FieldValueControlBytes = SearchValues.Create(
    [
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
        0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F, 0x7F,
    ]);

    /// <summary>OWS: the optional whitespace around a field value and around list elements.</summary>
    public static ReadOnlySpan<byte> Whitespace => " \t"u8;

    public static bool IsToken(ReadOnlySpan<byte> span) => !span.IsEmpty && !span.ContainsAnyExcept(TokenBytes);
}

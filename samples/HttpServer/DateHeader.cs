using System.Buffers;
using System.Buffers.Text;

namespace EventPoll.Samples.Http;

/// <summary>
/// The value of the Date response field (RFC 9110 §6.6.1), kept as bytes: an IMF-fixdate such as
/// <c>Sun, 06 Nov 1994 08:49:37 GMT</c>, formatted again at most once per second, so that a response copies 29 bytes
/// instead of formatting the clock. The obsolete RFC 850 and asctime forms are never produced.
/// <para>
/// One per event loop, refreshed from the loop's timer and read by the responses it writes, all on the loop's thread:
/// the bytes are not published to other threads, so a reader on another thread could see half of a refresh.
/// </para>
/// </summary>
public sealed class DateHeader
{
    /// <summary>The length of an IMF-fixdate: a fixed 29 bytes.</summary>
    public const int Length = 29;

    private readonly byte[] _text = new byte[Length];
    private long _second = long.MinValue;

    /// <summary>A Date value for the current time.</summary>
    public DateHeader() => Refresh();

    /// <summary>A Date value for <paramref name="utcNow"/>, in UTC.</summary>
    public DateHeader(DateTime utcNow) => Refresh(utcNow);

    /// <summary>The IMF-fixdate of the last refresh.</summary>
    public ReadOnlySpan<byte> Text => _text;

    /// <summary>Refreshes from the system clock; returns whether the text changed.</summary>
    public bool Refresh() => Refresh(DateTime.UtcNow);

    /// <summary>
    /// Refreshes to <paramref name="utcNow"/>'s second; within the second already shown nothing is formatted and the
    /// result is false.
    /// </summary>
    public bool Refresh(DateTime utcNow)
    {
        if (utcNow.Kind == DateTimeKind.Local)
            throw new ArgumentException("The Date field is in GMT: pass a UTC time (DateTime.UtcNow), not a local one.", nameof(utcNow));
        long second = utcNow.Ticks / TimeSpan.TicksPerSecond;
        if (second == _second) return false;
        _second = second;
        // 'R' is RFC 1123's form, which is the IMF-fixdate; it formats the time as given, hence UTC only.
        Utf8Formatter.TryFormat(utcNow, _text, out _, new StandardFormat('R'));
        return true;
    }
}

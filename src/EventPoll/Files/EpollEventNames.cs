using System.Globalization;

namespace EventPoll;

/// <summary>
/// The names of event bits: the EPOLL* constants without their prefix, in ascending bit order. Error messages
/// print them with the prefix (<c>EPOLLIN|EPOLLONESHOT</c>), the trace format without it (<c>IN|ONESHOT</c>).
/// </summary>
internal static class EpollEventNames
{
    /// <summary>Every named bit, in ascending bit order (the printing order).</summary>
    internal static readonly (string Name, EpollEvents Bit)[] Flags =
    [
        ("IN", EpollEvents.In), ("PRI", EpollEvents.Pri), ("OUT", EpollEvents.Out), ("ERR", EpollEvents.Err),
        ("HUP", EpollEvents.Hup), ("NVAL", EpollEvents.Nval), ("RDNORM", EpollEvents.RdNorm),
        ("RDBAND", EpollEvents.RdBand), ("WRNORM", EpollEvents.WrNorm), ("WRBAND", EpollEvents.WrBand),
        ("MSG", EpollEvents.Msg), ("RDHUP", EpollEvents.RdHup), ("EXCLUSIVE", EpollEvents.Exclusive),
        ("WAKEUP", EpollEvents.Wakeup), ("ONESHOT", EpollEvents.OneShot), ("ET", EpollEvents.EdgeTriggered),
    ];

    /// <summary>The set bits' names, each after <paramref name="prefix"/>, joined by <c>|</c>; other bits as one <c>0x..</c>; <c>0</c> for none.</summary>
    internal static string Format(EpollEvents events, string prefix)
    {
        if (events == EpollEvents.None) return "0";
        var parts = new List<string>();
        uint rest = (uint)events;
        foreach ((string name, EpollEvents bit) in Flags)
        {
            if ((rest & (uint)bit) == 0) continue;
            parts.Add(prefix + name);
            rest &= ~(uint)bit;
        }
        if (rest != 0) parts.Add("0x" + rest.ToString("x", CultureInfo.InvariantCulture));
        return string.Join('|', parts);
    }
}

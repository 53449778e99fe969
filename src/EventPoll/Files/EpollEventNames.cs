using System.Globalization;

namespace EventPoll;

/// <summary>The C names of event bits, for error messages: <c>EPOLLIN|EPOLLONESHOT</c>, other bits as one hex number.</summary>
internal static class EpollEventNames
{
    // In ascending bit order, which is also the printing order.
    private static readonly (string Name, EpollEvents Bit)[] Names =
    [
        ("EPOLLIN", EpollEvents.In), ("EPOLLPRI", EpollEvents.Pri), ("EPOLLOUT", EpollEvents.Out), ("EPOLLERR", EpollEvents.Err),
        ("EPOLLHUP", EpollEvents.Hup), ("EPOLLNVAL", EpollEvents.Nval), ("EPOLLRDNORM", EpollEvents.RdNorm),
        ("EPOLLRDBAND", EpollEvents.RdBand), ("EPOLLWRNORM", EpollEvents.WrNorm), ("EPOLLWRBAND", EpollEvents.WrBand),
        ("EPOLLMSG", EpollEvents.Msg), ("EPOLLRDHUP", EpollEvents.RdHup), ("EPOLLEXCLUSIVE", EpollEvents.Exclusive),
        ("EPOLLWAKEUP", EpollEvents.Wakeup), ("EPOLLONESHOT", EpollEvents.OneShot), ("EPOLLET", EpollEvents.EdgeTriggered),
    ];

    /// <summary>The set bits' names joined by <c>|</c>; <c>0</c> for none.</summary>
    internal static string Format(EpollEvents events)
    {
        if (events == EpollEvents.None) return "0";
        var parts = new List<string>();
        uint rest = (uint)events;
        foreach ((string name, EpollEvents bit) in Names)
        {
            if ((rest & (uint)bit) == 0) continue;
            parts.Add(name);
            rest &= ~(uint)bit;
        }
        if (rest != 0) parts.Add("0x" + rest.ToString("x", CultureInfo.InvariantCulture));
        return string.Join('|', parts);
    }
}

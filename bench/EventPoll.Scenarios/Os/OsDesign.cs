namespace EventPoll.Scenarios.Os;

/// <summary>The designs of an instance that watches OS descriptors, which the os scenario compares.</summary>
internal enum OsDesign
{
    /// <summary>EventPoll as shipped: the instance's own kernel epoll holds the OS registrations (issue 14).</summary>
    EventPoll,
    /// <summary>The running kernel's epoll, called directly through P/Invoke: the floor the others are held to.</summary>
    Kernel,
    /// <summary>The alternative: a poller thread blocked in its own kernel epoll feeds in-process proxies (<see cref="PollerThreadInstance"/>).</summary>
    PollerThread,
}

/// <summary>Names and factories of <see cref="OsDesign"/>.</summary>
internal static class OsDesigns
{
    internal static readonly OsDesign[] All = [OsDesign.EventPoll, OsDesign.Kernel, OsDesign.PollerThread];

    internal static string Label(OsDesign d) => d switch
    {
        OsDesign.EventPoll => Api.Variants.Label(Api.Variant.Product),
        OsDesign.Kernel => Api.Variants.Label(Api.Variant.Kernel),
        _ => "alternative: poller thread",
    };

    internal static OsInstance Create(OsDesign d) => d switch
    {
        OsDesign.EventPoll => new EventPollInstance(),
        OsDesign.Kernel => new KernelInstance(),
        _ => new PollerThreadInstance(),
    };
}

namespace EventPoll.Scenarios.Api;

/// <summary>The implementations a scenario compares. The "before" designs are the engine's internal per-instance switch (<see cref="EngineDesign"/>).</summary>
internal enum Variant
{
    /// <summary>The engine as shipped.</summary>
    Product,
    /// <summary>The engine with a locked ready list (the kernel before Eric Wong's wfcqueue series).</summary>
    LockedReadyList,
    /// <summary>The engine with a process-wide lock on the close paths (the kernel's epmutex before v6.4).</summary>
    GlobalClosePathLock,
    /// <summary>The running kernel.</summary>
    Kernel,
}

/// <summary>Names and factories of <see cref="Variant"/>.</summary>
internal static class Variants
{
    internal static string Label(Variant v) => v switch
    {
        Variant.Product => "EventPoll",
        Variant.LockedReadyList => "before: locked ready list",
        Variant.GlobalClosePathLock => "before: close-path lock",
        _ => "kernel",
    };

    /// <summary>The labels of <paramref name="variants"/>, in order.</summary>
    internal static string[] Labels(IEnumerable<Variant> variants) => [.. variants.Select(Label)];

    /// <summary>A fresh API for one measurement (a new descriptor table for the engine, so runs share nothing).</summary>
    internal static EpollApi Create(Variant v) => v switch
    {
        Variant.Product => new EngineApi(Label(v), EngineDesign.Default),
        Variant.LockedReadyList => new EngineApi(Label(v), new EngineDesign(LockedReadyList: true)),
        Variant.GlobalClosePathLock => new EngineApi(Label(v), new EngineDesign(GlobalClosePathLock: true)),
        _ => new KernelApi(),
    };

    /// <summary>The variants of a comparison, the kernel dropped where it cannot be measured.</summary>
    internal static Variant[] Available(params Variant[] wanted) =>
        [.. wanted.Where(v => v != Variant.Kernel || KernelApi.IsAvailable)];
}

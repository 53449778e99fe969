namespace EventPoll.Trace;

/// <summary>
/// How the mixed backend's latest wait made its batch: how many events at its front came from the instance's kernel
/// epoll (the rest are in-process), whether it asked the kernel at all, and whether the instance holds registrations of
/// both kinds (it has a kernel side and an in-process registration).
/// </summary>
internal readonly record struct BatchOrigin(int FromKernel, bool KernelAsked, bool BothKinds);

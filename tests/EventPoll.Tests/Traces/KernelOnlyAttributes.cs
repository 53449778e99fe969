using EventPoll.Interop;
using Xunit;

namespace EventPoll.Tests.Traces;

/// <summary>A theory that needs the real kernel backend: skipped, with the reason, where that backend cannot run.</summary>
public sealed class LinuxTheoryAttribute : TheoryAttribute
{
    public LinuxTheoryAttribute()
    {
        if (!LinuxSyscalls.EpollEventLayoutMatches)
        {
            Skip = "the kernel backend needs Linux on x86-64 (12-byte struct epoll_event)";
        }
    }
}

/// <summary>A fact that needs the real kernel backend: skipped, with the reason, where that backend cannot run.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!LinuxSyscalls.EpollEventLayoutMatches)
        {
            Skip = "the kernel backend needs Linux on x86-64 (12-byte struct epoll_event)";
        }
    }
}

using EventPoll.Tests.Ported;
using EventPoll.Tests.Support;

namespace EventPoll.Tests.Os;

/// <summary>
/// gVisor's epoll.cc cases that watch files (<see cref="GvisorEpollCases"/>) re-run with OS descriptors: eventfds,
/// pipes and a socket pair of the process, and a real regular file for EPERM. The cases that watch no file
/// (TimeoutNoFds, CycleOfOneDisallowed, CycleOfThreeDisallowed) run once, in <see cref="GvisorEpollTests"/>: an
/// instance without OS registrations has no kernel side, so an OS run would repeat the in-process one (cycles across
/// kinds are in <see cref="OsNestingTests"/>).
/// </summary>
public sealed class GvisorEpollOsTests : GvisorEpollCases
{
    private protected override ISourceFactory Sources => SourceEnd.Factory(SourceKind.Os);

    private protected override void AddRegularFile(Epoll ep)
    {
        string path = Path.GetTempFileName();
        try
        {
            using Microsoft.Win32.SafeHandles.SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
            ep.Add(file, EpollEvents.In | EpollEvents.Out);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

using EventPoll.Interop;
using EventPoll.Tests.Os;
using EventPoll.Tests.Support;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// Base of the tests that hook an in-process file of an instance with a kernel side to act inside a scan: the
/// instance, the file turning idle without waking its readers, and a hook that acts once at a chosen poll of the file.
/// </summary>
public abstract class HookedFileTests : HandleOwner
{
    /// <summary>An instance with a kernel side (an idle OS eventfd, data 100) and an in-process file (data 101), level-triggered.</summary>
    private protected (Epoll Ep, FakeFile File) AnInstanceWithAKernelSideAndAFile()
    {
        Epoll ep = Own(new Epoll(Table));
        ep.Add(Own(OsFd.EventFd()), EpollEvents.In, 100);
        var file = new FakeFile();
        ep.Add(Own(DescriptorHandle.Open(file, Table)), EpollEvents.In, 101);
        return (ep, file);
    }

    /// <summary>The file turns idle as a drained pipe does, waking only its writers (a key its registration ignores).</summary>
    private protected static void Drain(FakeFile file) => file.Set(EpollEvents.None, key: EpollEvents.Out);

    /// <summary>
    /// Runs <paramref name="act"/> once, at the next poll of <paramref name="file"/>, or with <paramref name="after"/>
    /// at the first one after that kernel side's next epoll_wait (a harvest's check of the kernel's report).
    /// </summary>
    private protected static void AtTheNextPoll(FakeFile file, Action act, KernelPoller? after = null)
    {
        long waitsBefore = after?.WaitCalls ?? 0;
        bool done = false;
        file.OnPoll = () =>
        {
            if (done || (after is not null && after.WaitCalls == waitsBefore)) return;
            done = true;
            act();
        };
    }
}

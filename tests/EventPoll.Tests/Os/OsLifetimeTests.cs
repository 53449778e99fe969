using EventPoll.Tests.Support;
using EventPoll.Tests.Traces;
using Microsoft.Win32.SafeHandles;
using Xunit;

namespace EventPoll.Tests.Os;

/// <summary>
/// The lifetime of an OS registration, deterministically (the races are in the stress suite): the kernel keys it by
/// (file, number), so a dup keeps it alive after the registered number is closed, and neither number can name it then.
/// </summary>
public sealed class OsLifetimeTests : HandleOwner
{
    [LinuxFact]
    public void ADup_KeepsTheItemAfterTheOriginalCloses_WithTheOriginalData_AndDelByTheDupsNumberIsEnoent()
    {
        Epoll ep = Own(new Epoll(Table));
        SafeFileHandle original = OsFd.EventFd();
        SafeFileHandle dup = Own(OsFd.Dup(original));
        ep.Add(original, EpollEvents.In | EpollEvents.EdgeTriggered, 0xD0);
        original.Dispose();

        OsFd.Signal(dup);
        var events = new EpollEvent[4];
        Assert.Equal(1, ep.Wait(events, 0));
        Assert.Equal(new EpollEvent(EpollEvents.In, 0xD0), events[0]); // the closed registration's data, through the dup's write

        Assert.Equal(Errno.ENOENT, Assert.Throws<EpollException>(() => ep.Delete(dup)).Errno); // the item is (file, original number)
        Assert.Equal(Errno.ENOENT, Assert.Throws<EpollException>(() => ep.Modify(dup, EpollEvents.In)).Errno);
        Assert.Throws<ObjectDisposedException>(() => ep.Delete(original));
        Assert.Contains($"data: {0xD0,16:x}", ep.GetFdInfo(), StringComparison.Ordinal); // listed while the dup lives

        dup.Dispose(); // the file's last descriptor: the item goes
        Assert.Equal(0, ep.Wait(events, 0));
        Assert.DoesNotContain("tfd:", ep.GetFdInfo(), StringComparison.Ordinal);
    }

    [LinuxFact]
    public void ADupRegisteredToo_IsASecondItem_OfTheSameFile()
    {
        Epoll ep = Own(new Epoll(Table));
        SafeFileHandle original = Own(OsFd.EventFd());
        SafeFileHandle dup = Own(OsFd.Dup(original));
        ep.Add(original, EpollEvents.In, 1);
        ep.Add(dup, EpollEvents.In, 2); // another number: another key, no EEXIST
        OsFd.Signal(original);
        var events = new EpollEvent[4];
        Assert.Equal(2, ep.Wait(events, 0));
        Assert.Equal([1ul, 2ul], events.Take(2).Select(e => e.Data).Order());
        original.Dispose();
        Assert.Equal(2, ep.Wait(events, 0)); // the file lives: both items stay
        dup.Dispose();
        Assert.Equal(0, ep.Wait(events, 0));
    }
}

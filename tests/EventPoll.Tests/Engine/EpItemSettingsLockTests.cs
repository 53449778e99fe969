using System.Reflection;
using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Engine;

/// <summary>
/// An item's events and data change only under its settings lock, so a reader holding it (a harvest's ReadSettings)
/// sees one pair. The test takes the lock itself, as such a reader would, through the private byte: nothing else can
/// hold it long enough to watch a writer wait.
/// </summary>
public sealed class EpItemSettingsLockTests
{
    private const uint Armed = (uint)(EpollEvents.In | EpollEvents.OneShot);

    private static readonly FieldInfo s_settingsLock =
        typeof(EpItem).GetField("_settingsLock", BindingFlags.NonPublic | BindingFlags.Instance)!;

    [Fact]
    public void Mod_WaitsWhileTheSettingsLockIsHeld_ThenStoresEventsAndDataTogether()
        => AssertWaitsForTheLock(item => item.WriteSettings((uint)EpollEvents.Out, 2), ((uint)EpollEvents.Out, 2UL));

    [Fact]
    public void OneShotDisable_WaitsWhileTheSettingsLockIsHeld_ThenLeavesOnlyThePrivateBits()
        => AssertWaitsForTheLock(item => item.DisableIfUnchanged(Armed, 1), ((uint)EpollEvents.OneShot, 1UL));

    private static void AssertWaitsForTheLock(Action<EpItem> write, (uint Events, ulong Data) after)
    {
        var ep = new Eventpoll(new WatchAccount(0));
        var file = new FakeFile();
        write(new EpItem(ep, file, 4, Armed, 1)); // compiled and initialised here, so the writer below only locks
        var item = new EpItem(ep, file, 3, Armed, 1);
        s_settingsLock.SetValue(item, (byte)1);
        var writer = new Thread(() => write(item));
        writer.Start();
        // A writer that waits for the lock soon sleeps between its tries; one that ignores the lock ends.
        Bounded.Until(() => (writer.ThreadState & (ThreadState.WaitSleepJoin | ThreadState.Stopped)) != 0, "the writer sleeps or ends");
        Assert.True(writer.IsAlive, "the writer did not wait for the held settings lock");
        Assert.Equal(Armed, item.Events);
        s_settingsLock.SetValue(item, (byte)0);
        Bounded.Join(writer, "the writer takes the released lock");
        Assert.Equal(after, item.ReadSettings());
    }
}

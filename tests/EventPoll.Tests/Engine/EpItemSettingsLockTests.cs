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

    [Fact]
    public void ReadSettings_WaitsWhileTheSettingsLockIsHeld_ThenReadsThePairTheHolderStored()
    {
        (uint, ulong) read = default;
        AssertWaitsForTheLock(item => read = item.ReadSettings(), ((uint)EpollEvents.Out, 2UL), holderStores: ((uint)EpollEvents.Out, 2UL));
        Assert.Equal(((uint)EpollEvents.Out, 2UL), read); // not the pair from before the holder's store
    }

    private static readonly FieldInfo s_events = typeof(EpItem).GetField("_events", BindingFlags.NonPublic | BindingFlags.Instance)!;
    private static readonly FieldInfo s_data = typeof(EpItem).GetField("_data", BindingFlags.NonPublic | BindingFlags.Instance)!;

    /// <summary>
    /// Runs <paramref name="access"/> on another thread while the test holds the item's settings lock, storing
    /// <paramref name="holderStores"/> as a writer holding it would; the access must wait for the release.
    /// </summary>
    private static void AssertWaitsForTheLock(Action<EpItem> access, (uint Events, ulong Data) after, (uint Events, ulong Data)? holderStores = null)
    {
        var ep = new Eventpoll(new WatchAccount(0));
        var file = new FakeFile();
        access(new EpItem(ep, file, 4, Armed, 1)); // compiled and initialised here, so the thread below only locks
        var item = new EpItem(ep, file, 3, Armed, 1);
        s_settingsLock.SetValue(item, (byte)1);
        var writer = new Thread(() => access(item));
        writer.Start();
        // A thread that waits for the lock soon sleeps between its tries; one that ignores the lock ends.
        Bounded.Until(() => (writer.ThreadState & (ThreadState.WaitSleepJoin | ThreadState.Stopped)) != 0, "the thread sleeps or ends");
        Assert.True(writer.IsAlive, "the thread did not wait for the held settings lock");
        Assert.Equal(Armed, item.Events);
        if (holderStores is { } stored)
        {
            s_events.SetValue(item, stored.Events);
            s_data.SetValue(item, stored.Data);
        }
        s_settingsLock.SetValue(item, (byte)0);
        Bounded.Join(writer, "the thread takes the released lock");
        Assert.Equal(after, item.ReadSettings());
    }
}

using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Engine;

public class InterestSetTests
{
    /// <summary>Random adds and removes against a dictionary model: every lookup agrees (probe runs survive backward-shift deletion and resizes).</summary>
    [Fact]
    public void RandomOperations_MatchADictionaryModel()
    {
        var random = new Random(12345);
        var ep = new Eventpoll(new WatchAccount(0));
        var files = Enumerable.Range(0, 40).Select(_ => new FakeFile()).ToArray();
        var set = new InterestSet();
        var model = new Dictionary<(OpenFile, int), EpItem>();
        for (int step = 0; step < 20_000; step++)
        {
            OpenFile file = files[random.Next(files.Length)];
            int fd = random.Next(8);
            EpItem? found = set.Find(file, fd);
            Assert.Equal(model.GetValueOrDefault((file, fd)), found);
            if (found is null)
            {
                var item = new EpItem(ep, file, fd, 0, 0);
                set.Add(item);
                model[(file, fd)] = item;
            }
            else if (random.Next(3) != 0)
            {
                set.Remove(found);
                model.Remove((file, fd));
            }
            Assert.Equal(model.Count, set.Count);
        }
        Assert.Equal(model.Values.OrderBy(i => i.GetHashCode()), set.ToArray().OrderBy(i => i.GetHashCode()));
    }

    /// <summary>
    /// Many files under many descriptor numbers (as dup'd descriptors register one file several times), the set grown
    /// to a random peak and emptied again, round after round: after every change both lookups agree with a dictionary
    /// model on every key, present or absent, and the array has the size its growth and shrink rules give. Small, full
    /// arrays make probe runs wrap past the end, where removal's backward shift must keep entries reachable.
    /// </summary>
    [Fact]
    public void ManyFilesUnderManyDescriptors_BothLookupsMatchADictionaryModel_AsTheSetGrowsAndShrinks()
    {
        const int fds = 16;
        var random = new Random(20261130);
        var ep = new Eventpoll(new WatchAccount(0));
        OpenFile[] files = Enumerable.Range(0, 24).Select(_ => (OpenFile)new FakeFile()).ToArray();
        var set = new InterestSet();
        var model = new Dictionary<(OpenFile, int), EpItem>();
        int capacity = 8, changes = 0;
        for (int round = 0; round < 8; round++)
        {
            int peak = random.Next(20, 300);
            while (model.Count < peak)
            {
                (OpenFile, int) key = RandomKey();
                if (!model.ContainsKey(key)) Add(key);
                else if (random.Next(4) == 0) Remove(key);
            }
            while (model.Count > 0)
            {
                (OpenFile, int) key = random.Next(5) == 0 ? RandomKey() : model.Keys.ElementAt(random.Next(model.Count));
                if (model.ContainsKey(key)) Remove(key); else Add(key);
            }
        }
        Assert.True(changes > 2_000, $"only {changes} changes");

        (OpenFile, int) RandomKey() => (files[random.Next(files.Length)], random.Next(fds));

        void Add((OpenFile File, int Fd) key)
        {
            var item = new EpItem(ep, key.File, key.Fd, 0, 0);
            if ((model.Count + 1) * 4 > capacity * 3) capacity *= 2;
            set.Add(item);
            model.Add(key, item);
            Check();
        }

        void Remove((OpenFile, int) key)
        {
            model.Remove(key, out EpItem? item);
            set.Remove(item!);
            if (capacity > 8 && model.Count * 8 < capacity) capacity /= 2;
            Check();
        }

        void Check()
        {
            changes++;
            Assert.Equal(model.Count, set.Count);
            Assert.Equal(capacity, set.Capacity);
            foreach (OpenFile file in files)
            {
                for (int fd = 0; fd < fds; fd++)
                {
                    EpItem? expected = model.GetValueOrDefault((file, fd));
                    if (set.Find(file, fd) != expected || set.FindWithoutLock(file, fd) != expected)
                        Assert.Fail($"change {changes}: a lookup of file {file.Id} fd {fd} disagrees with the model ({set.Count} items in {set.Capacity} slots)");
                }
            }
        }
    }

    /// <summary>Eight slots take six items and the seventh doubles them (no ADD fills more than 3/4).</summary>
    [Fact]
    public void Capacity_DoublesBeforeAnAddWouldFillMoreThanThreeQuarters()
    {
        var (set, items) = EmptySetAndItems(13);
        var sizes = new List<int>();
        foreach (EpItem item in items)
        {
            set.Add(item);
            sizes.Add(set.Capacity);
        }
        Assert.Equal([8, 8, 8, 8, 8, 8, 16, 16, 16, 16, 16, 16, 32], sizes);
    }

    /// <summary>Removals give memory back: 32 slots halve when fewer than 4 items are left, 16 when fewer than 2, and 8 stay.</summary>
    [Fact]
    public void Capacity_HalvesWhenARemovalLeavesLessThanAnEighthFull_NeverBelowEight()
    {
        var (set, items) = EmptySetAndItems(13);
        foreach (EpItem item in items) set.Add(item);
        var sizes = new List<int>();
        foreach (EpItem item in items)
        {
            set.Remove(item);
            sizes.Add(set.Capacity);
        }
        // Left after each removal: 12, 11, ..., 4 (32 slots), 3 (16), 2 (16), 1 (8), 0 (8).
        Assert.Equal([32, 32, 32, 32, 32, 32, 32, 32, 32, 16, 16, 8, 8], sizes);
    }

    private static (InterestSet Set, EpItem[] Items) EmptySetAndItems(int count)
    {
        var ep = new Eventpoll(new WatchAccount(0));
        var file = new FakeFile();
        return (new InterestSet(), Enumerable.Range(0, count).Select(fd => new EpItem(ep, file, fd, 0, 0)).ToArray());
    }
}

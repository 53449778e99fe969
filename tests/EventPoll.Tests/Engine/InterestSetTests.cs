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
}

using EventPoll;
using Xunit;
using static EventPoll.Tests.Sources.FileIo;

namespace EventPoll.Tests.Sources;

public class PipeTests
{
    private const EpollEvents InKey = EpollEvents.In | EpollEvents.RdNorm;
    private const EpollEvents OutKey = EpollEvents.Out | EpollEvents.WrNorm;

    [Fact]
    public void Pipe_Fresh_ReadEndIdleAndWriteEndWritable()
    {
        var (r, w) = PipeBuffer.Create();
        Assert.Equal(EpollEvents.None, r.Poll(null));
        Assert.Equal(OutKey, w.Poll(null));
        Assert.Equal(r.Inode, w.Inode);
        Assert.Equal(InodeNumbers.PipeFsDevice, r.DeviceId);
        Assert.NotEqual(r.Inode, PipeBuffer.Create().Read.Inode);
    }

    [Fact]
    public void Pipe_EachEnd_RegistersOnlyItsOwnQueue()
    {
        var (r, w) = PipeBuffer.Create();
        var rr = new WakeRecorder();
        var wr = new WakeRecorder();
        r.Poll(rr);
        w.Poll(wr);
        Assert.Equal([r.Pipe.ReadQueue], rr.Queues);
        Assert.Equal([w.Pipe.WriteQueue], wr.Queues);
        Write(w, 1);
        Assert.Empty(wr.Take()); // writes wake rd_wait only
    }

    [Fact]
    public void Pipe_WriteIntoEmptyPipe_WakesReaders()
    {
        var (r, w) = PipeBuffer.Create();
        var rec = new WakeRecorder();
        r.Poll(rec);
        Assert.Equal(1, Write(w, 1));
        Assert.Equal([InKey], rec.Take());
        Assert.Equal(InKey, r.Poll(null));
    }

    [Fact]
    public void Pipe_WriteIntoPolledNonEmptyPipe_WakesReadersAgain()
    {
        var (r, w) = PipeBuffer.Create();
        var rec = new WakeRecorder();
        r.Poll(rec);
        Write(w, 1);
        Write(w, 1);
        Assert.Equal([InKey, InKey], rec.Take());
    }

    [Fact]
    public void Pipe_EagainWriteOnPolledFullPipe_StillWakesReaders()
    {
        var (r, w) = PipeBuffer.Create();
        var rec = new WakeRecorder();
        r.Poll(rec);
        Assert.Equal(65536, Write(w, 65536));
        rec.Take();
        Assert.Equal(-(long)Errno.EAGAIN, Write(w, 1));
        Assert.Equal([InKey], rec.Take());
    }

    [Fact]
    public void Pipe_ZeroLengthWrite_ReturnsZeroWithoutWake()
    {
        var (r, w) = PipeBuffer.Create();
        var rec = new WakeRecorder();
        r.Poll(rec);
        Assert.Equal(0, Write(w, 0));
        Assert.Empty(rec.Take());
    }

    [Fact]
    public void Pipe_Writes_MergeIntoLastPageThenFillWholePages()
    {
        // Same sequence as the kernel probe: 1+1+10000 bytes take 3 slots, so 13 pages remain.
        var (r, w) = PipeBuffer.Create();
        Write(w, 1);
        Write(w, 1);
        Assert.Equal(10000, Write(w, 10000));
        Assert.Equal(53248, Write(w, 70000));
        Assert.Equal(63250, r.Pipe.Length);
        Assert.Equal(-(long)Errno.EAGAIN, Write(w, 1));
        Assert.Equal(EpollEvents.None, w.Poll(null));
    }

    [Fact]
    public void Pipe_SmallWriteThatDoesNotFitLastPage_IsNotSplit()
    {
        var (r, w) = PipeBuffer.Create();
        Write(w, 100);
        for (int i = 0; i < 14; i++) Write(w, 4096);
        Assert.Equal(4096, Write(w, 10000)); // one free slot: a page, no merge into the full last page
        Assert.Equal(61540, r.Pipe.Length);
        Assert.Equal(-(long)Errno.EAGAIN, Write(w, 3000)); // atomic: all or nothing
        Assert.Equal(-(long)Errno.EAGAIN, Write(w, 100));
    }

    [Fact]
    public void Pipe_ReadThatFreesASlotOfAFullPipe_WakesWriters()
    {
        var (r, w) = PipeBuffer.Create();
        Write(w, 1);
        Write(w, 1);
        Write(w, 10000);
        Write(w, 70000);
        var rec = new WakeRecorder();
        w.Poll(rec);
        Assert.Equal(1, Read(r, 1)); // slot 0 still holds data: still full, no wake
        Assert.Empty(rec.Take());
        Assert.Equal(EpollEvents.None, w.Poll(null));
        Assert.Equal(4096, Read(r, 4096)); // drains slot 0 while full
        Assert.Equal([OutKey], rec.Take());
        Assert.Equal(4096, Read(r, 4096)); // no longer full: no wake
        Assert.Empty(rec.Take());
    }

    [Fact]
    public void Pipe_EmptyWithWriter_ReadIsEagain()
    {
        var (r, _) = PipeBuffer.Create();
        Assert.Equal(-(long)Errno.EAGAIN, Read(r, 1));
        Assert.Equal(0, Read(r, 0));
    }

    [Fact]
    public void Pipe_WriterClosed_ReaderSeesHupAndEofAfterData()
    {
        var (r, w) = PipeBuffer.Create();
        var rec = new WakeRecorder();
        r.Poll(rec);
        Write(w, 3);
        rec.Take();
        w.Release();
        Assert.Equal([EpollEvents.None], rec.Take());
        Assert.Equal(InKey | EpollEvents.Hup, r.Poll(null));
        Assert.Equal(3, Read(r, 10));
        Assert.Equal(EpollEvents.Hup, r.Poll(null));
        Assert.Equal(0, Read(r, 10));
    }

    [Fact]
    public void Pipe_ReaderClosed_WriterSeesErrAndEpipe()
    {
        var (r, w) = PipeBuffer.Create();
        var rec = new WakeRecorder();
        w.Poll(rec);
        r.Release();
        Assert.Equal([EpollEvents.None], rec.Take());
        Assert.Equal(OutKey | EpollEvents.Err, w.Poll(null));
        Assert.Equal(-(long)Errno.EPIPE, Write(w, 1));
        Assert.Equal(0, Write(w, 0));
    }

    [Fact]
    public void Pipe_SecondEndClosing_WakesNobody()
    {
        var (r, w) = PipeBuffer.Create();
        var rec = new WakeRecorder();
        w.Poll(rec);
        var rr = new WakeRecorder();
        r.Poll(rr);
        r.Release();
        rec.Take();
        rr.Take();
        w.Release();
        Assert.Empty(rr.Take());
        Assert.Empty(rec.Take());
    }

    [Fact]
    public void Pipe_DataRoundTrips()
    {
        var (r, w) = PipeBuffer.Create();
        byte[] data = [.. Enumerable.Range(0, 9000).Select(i => (byte)i)];
        Assert.Equal(9000, w.Write(data));
        byte[] got = new byte[9000];
        Assert.Equal(9000, r.Read(got));
        Assert.Equal(data, got);
    }
}

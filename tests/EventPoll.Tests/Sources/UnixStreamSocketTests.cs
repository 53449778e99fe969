using EventPoll;
using Xunit;
using static EventPoll.Tests.Sources.FileIo;

namespace EventPoll.Tests.Sources;

public class UnixStreamSocketTests
{
    private const EpollEvents Writable = EpollEvents.Out | EpollEvents.WrNorm | EpollEvents.WrBand;
    private const EpollEvents DataKey = EpollEvents.In | EpollEvents.Pri | EpollEvents.RdNorm | EpollEvents.RdBand;
    private const EpollEvents Readable = EpollEvents.In | EpollEvents.RdNorm;
    private const EpollEvents RdHup = EpollEvents.RdHup | Readable;

    [Fact]
    public void Unix_FreshPair_IsWritableOnly()
    {
        var (a, b) = UnixStreamSocket.CreatePair();
        Assert.Equal(Writable, a.Poll(null));
        Assert.Equal(Writable, b.Poll(null));
        Assert.NotEqual(a.Inode, b.Inode);
        Assert.Equal(InodeNumbers.SockFsDevice, a.DeviceId);
    }

    /// <summary>
    /// The two thresholds to the byte (Linux: unix_writable's <c>wmem_alloc &lt;&lt; 2 &lt;= sndbuf</c> with wmem_alloc one
    /// above the charge, and sock_alloc_send_pskb's <c>charge &lt; sndbuf</c>): writable while the charge is below a quarter
    /// of the send buffer, not at exactly a quarter; a write may start below the full buffer and not at exactly it.
    /// Segments of 1 and 193 bytes charge 768 and 1,280 (3 and 5 units of 256), so both exact charges are reachable.
    /// </summary>
    [Fact]
    public void Unix_WritableAndWriteThresholds_ToTheByte()
    {
        var (a, _) = UnixStreamSocket.CreatePair();
        const int Quarter = UnixStreamSocket.SendBufferSize / 4; // 53,248: one 1-byte and 41 193-byte segments
        Assert.Equal(1, Write(a, 1));
        for (int i = 0; i < 40; i++) Assert.Equal(193, Write(a, 193));
        Assert.Equal(Quarter - 1280, a.SendCharge);
        Assert.Equal(Writable, a.Poll(null));
        Assert.Equal(193, Write(a, 193));
        Assert.Equal(Quarter, a.SendCharge);
        Assert.Equal(EpollEvents.None, a.Poll(null));

        for (int i = 0; i < 3; i++) Assert.Equal(1, Write(a, 1)); // to the full 212,992: three 1-byte and 123 193-byte segments more
        for (int i = 0; i < 122; i++) Assert.Equal(193, Write(a, 193));
        Assert.Equal(UnixStreamSocket.SendBufferSize - 1280, a.SendCharge);
        Assert.Equal(193, Write(a, 193)); // starts below the full buffer
        Assert.Equal(UnixStreamSocket.SendBufferSize, a.SendCharge);
        Assert.Equal(-(long)Errno.EAGAIN, Write(a, 1)); // at exactly the full buffer: none starts
    }

    [Fact]
    public void Unix_Write_WakesPeerWithReadableKey()
    {
        var (a, b) = UnixStreamSocket.CreatePair();
        var ra = new WakeRecorder();
        var rb = new WakeRecorder();
        a.Poll(ra);
        b.Poll(rb);
        Assert.Equal(1, Write(a, 1));
        Assert.Equal(100, Write(a, 100));
        Assert.Equal([DataKey, DataKey], rb.Take());
        Assert.Empty(ra.Take());
        Assert.Equal(Readable | Writable, b.Poll(null));
        Assert.Equal(0, Write(a, 0));
        Assert.Empty(rb.Take());
    }

    [Fact]
    public void Unix_SmallWrites_AreChargedLikeKernelSkbs()
    {
        Assert.Equal(768, UnixStreamSocket.TrueSize(1));
        Assert.Equal(768, UnixStreamSocket.TrueSize(192));
        Assert.Equal(1280, UnixStreamSocket.TrueSize(193));
        Assert.Equal(2304, UnixStreamSocket.TrueSize(1000));
        Assert.Equal(4352, UnixStreamSocket.TrueSize(1729));
        Assert.Equal(4352, UnixStreamSocket.TrueSize(3776));
        Assert.Equal(4864, UnixStreamSocket.TrueSize(3777));
        Assert.Equal(8448, UnixStreamSocket.TrueSize(7872));
        Assert.Equal(8960, UnixStreamSocket.TrueSize(7873));
        Assert.Equal(37120, UnixStreamSocket.TrueSize(36544));
    }

    [Fact]
    public void Unix_ReadConsumingWholeSegment_WakesWriterWithWritableKey()
    {
        var (a, b) = UnixStreamSocket.CreatePair();
        Write(a, 1);
        Write(a, 100);
        Assert.Equal(1536, a.SendCharge);
        var ra = new WakeRecorder();
        a.Poll(ra);
        Assert.Equal(1, Read(b, 1));
        Assert.Equal([Writable], ra.Take());
        Assert.Equal(50, Read(b, 50)); // partial segment: nothing freed
        Assert.Empty(ra.Take());
        Assert.Equal(50, Read(b, 100));
        Assert.Equal([Writable], ra.Take());
        Assert.Equal(0, a.SendCharge);
        Assert.Equal(0, Read(b, 0));
        Assert.Equal(-(long)Errno.EAGAIN, Read(b, 10));
    }

    [Fact]
    public void Unix_SendBuffer_PollOutDropsAtAQuarterAndWritesStopAtTheLimit()
    {
        var (a, _) = UnixStreamSocket.CreatePair();
        for (int i = 0; i < 23; i++) Write(a, 1000);
        Assert.True(a.Poll(null).HasFlag(EpollEvents.Out));
        Write(a, 1000);
        Assert.False(a.Poll(null).HasFlag(EpollEvents.Out)); // 24 x 2304 > 212992 / 4
        int accepted = 24;
        while (Write(a, 1000) > 0) accepted++;
        Assert.Equal(93, accepted);
        Assert.Equal(214272, a.SendCharge);
        Assert.Equal(-(long)Errno.EAGAIN, Write(a, 1));
    }

    [Fact]
    public void Unix_LargeWrite_IsCutIntoSegmentsAndPartial()
    {
        var (a, b) = UnixStreamSocket.CreatePair();
        Assert.Equal(219264, Write(a, 400000));
        Assert.Equal(222720, a.SendCharge);
        Assert.Equal(219264, Read(b, 400000));
    }

    [Fact]
    public void Unix_ShutWr_WakesBothAndPeerSeesRdHupThenEof()
    {
        var (a, b) = UnixStreamSocket.CreatePair();
        var ra = new WakeRecorder();
        var rb = new WakeRecorder();
        a.Poll(ra);
        b.Poll(rb);
        Assert.Equal(0, a.Shutdown(1));
        Assert.Equal([EpollEvents.None], ra.Take());
        Assert.Equal([EpollEvents.None], rb.Take());
        Assert.Equal(Writable, a.Poll(null));
        Assert.Equal(RdHup | Writable, b.Poll(null));
        Assert.Equal(-(long)Errno.EPIPE, Write(a, 1));
        Assert.Equal(-(long)Errno.EPIPE, Write(a, 0));
        Assert.Equal(0, Read(b, 1));
        Assert.Equal(3, Write(b, 3));
    }

    [Fact]
    public void Unix_RepeatedShutdown_WakesAgain()
    {
        var (a, b) = UnixStreamSocket.CreatePair();
        a.Shutdown(1);
        var rb = new WakeRecorder();
        b.Poll(rb);
        a.Shutdown(1);
        Assert.Equal([EpollEvents.None], rb.Take());
    }

    [Fact]
    public void Unix_BothDirectionsShut_IsHup_AndQueuedDataIsStillReadable()
    {
        var (a, b) = UnixStreamSocket.CreatePair();
        a.Shutdown(1);
        Write(b, 2);
        Assert.Equal(0, a.Shutdown(0));
        EpollEvents all = EpollEvents.Hup | RdHup | Writable;
        Assert.Equal(all, a.Poll(null));
        Assert.Equal(all, b.Poll(null));
        Assert.Equal(2, Read(a, 10));
        Assert.Equal(0, Read(a, 10));
        Assert.Equal(-(long)Errno.EPIPE, Write(b, 1));
    }

    [Fact]
    public void Unix_PeerShutRd_MakesOurWritesEpipeWithoutHup()
    {
        var (a, b) = UnixStreamSocket.CreatePair();
        b.Shutdown(0);
        Assert.Equal(Writable, a.Poll(null));
        Assert.Equal(RdHup | Writable, b.Poll(null));
        Assert.Equal(-(long)Errno.EPIPE, Write(a, 1));
        Assert.Equal(0, Read(b, 1));
    }

    [Fact]
    public void Unix_InvalidHow_IsEinval()
    {
        var (a, _) = UnixStreamSocket.CreatePair();
        Assert.Equal(-(int)Errno.EINVAL, a.Shutdown(3));
        Assert.Equal(-(int)Errno.EINVAL, a.Shutdown(-1));
    }

    [Fact]
    public void Unix_PeerClosedWithUnreadData_ReportsDataThenEconnresetOnceThenEof()
    {
        var (a, b) = UnixStreamSocket.CreatePair();
        Write(b, 10); // left unread in a
        Write(a, 5);
        var rb = new WakeRecorder();
        b.Poll(rb);
        a.Release();
        Assert.Equal([EpollEvents.None, Writable], rb.Take()); // state change, then b's charge comes back
        EpollEvents closed = EpollEvents.Err | EpollEvents.Hup | RdHup | Writable;
        Assert.Equal(closed, b.Poll(null));
        Assert.Equal(-(long)Errno.EPIPE, Write(b, 1));
        Assert.Equal(3, Read(b, 3));
        Assert.Equal(2, Read(b, 10));
        Assert.Equal(-(long)Errno.ECONNRESET, Read(b, 10));
        Assert.Equal(closed & ~EpollEvents.Err, b.Poll(null));
        Assert.Equal(0, Read(b, 10));
        Assert.Equal(0, b.Shutdown(2));
    }

    [Fact]
    public void Unix_PeerClosedWithoutUnreadData_IsHupAndEofWithoutError()
    {
        var (a, b) = UnixStreamSocket.CreatePair();
        Write(a, 5);
        a.Release();
        Assert.Equal(EpollEvents.Hup | RdHup | Writable, b.Poll(null));
        Assert.Equal(5, Read(b, 10));
        Assert.Equal(0, Read(b, 10));
    }
}

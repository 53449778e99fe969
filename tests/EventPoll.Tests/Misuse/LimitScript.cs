namespace EventPoll.Tests.Misuse;

/// <summary>
/// One sequence of descriptor-creating calls at and around the descriptor limit, written down as labelled
/// outcomes that mean the same in any world: an errno name, "ok", or which filler's number a call returned.
/// The world starts full: every number below its limit is open, and <c>fillers</c> (ascending) are the ones the
/// test opened and may close; the process's own descriptors, if any, sit between them and are never touched.
/// </summary>
internal static class LimitScript
{
    private const int BadFlag = 0x1000; // no creating call accepts it

    public static List<string> Run(LimitWorld w, int[] fillers, int limit)
    {
        var log = new List<string>(128);
        Span<int> pair = stackalloc int[2];
        int open = fillers[0], hi = fillers[^1], notOpen = limit + 100;
        void Log(string label, int r) => log.Add($"{label}: {Describe(r, fillers)}");

        // Full: each call's argument errors come before EMFILE, and EMFILE before the ones checked later.
        Log("eventfd(bad flags)", w.EventFd(BadFlag));
        Log("eventfd", w.EventFd(0));
        Log("epoll_create(0)", w.EpollCreate(0));
        Log("epoll_create(-1)", w.EpollCreate(-1));
        Log("epoll_create(1)", w.EpollCreate(1));
        Log("epoll_create1(bad flags)", w.EpollCreate1(BadFlag));
        Log("epoll_create1(0)", w.EpollCreate1(0));
        Log("pipe2(bad flags)", w.Pipe2(pair, BadFlag));
        Log("pipe2", w.Pipe2(pair, 0));
        Log("pipe2(NULL)", w.Pipe2([], 0));
        Log("pipe2(NULL, bad flags)", w.Pipe2([], BadFlag));
        Log("socketpair(bad type flags)", w.SocketPair(LimitWorld.AF_UNIX, LimitWorld.SOCK_STREAM | BadFlag, 0, pair));
        Log("socketpair", w.SocketPair(LimitWorld.AF_UNIX, LimitWorld.SOCK_STREAM, 0, pair));
        Log("socketpair(bad family)", w.SocketPair(9999, LimitWorld.SOCK_STREAM, 0, pair));
        Log("socketpair(bad protocol)", w.SocketPair(LimitWorld.AF_UNIX, LimitWorld.SOCK_STREAM, 5, pair));
        Log("socketpair(NULL)", w.SocketPair(LimitWorld.AF_UNIX, LimitWorld.SOCK_STREAM, 0, []));
        Log("timerfd_create(bad flags)", w.TimerFdCreate(LimitWorld.CLOCK_MONOTONIC, BadFlag));
        Log("timerfd_create(bad clock)", w.TimerFdCreate(99, 0));
        Log("timerfd_create", w.TimerFdCreate(LimitWorld.CLOCK_MONOTONIC, 0));
        Log("dup(not open)", w.Dup(notOpen));
        Log("dup(-1)", w.Dup(-1));
        Log("dup", w.Dup(open));
        Log("F_DUPFD(0)", w.FcntlDupFd(open, 0));
        Log("F_DUPFD(limit - 1)", w.FcntlDupFd(open, limit - 1));
        Log("F_DUPFD(limit)", w.FcntlDupFd(open, limit));
        Log("F_DUPFD(-1)", w.FcntlDupFd(open, -1));
        Log("F_DUPFD(not open, limit)", w.FcntlDupFd(notOpen, limit));
        Log("F_DUPFD(not open, 0)", w.FcntlDupFd(notOpen, 0));
        Log("dup2(to limit)", w.Dup2(open, limit));
        Log("dup2(to -1)", w.Dup2(open, -1));
        Log("dup2(not open, to limit)", w.Dup2(notOpen, limit));
        Log("dup2(to the highest filler)", w.Dup2(open, hi));

        // One number free: a pair still cannot be made, and whatever it checks later does not show.
        Log("close(filler 1)", w.Close(fillers[1]));
        Log("pipe2, one free", w.Pipe2(pair, 0));
        Log("pipe2(NULL), one free", w.Pipe2([], 0));
        Log("socketpair, one free", w.SocketPair(LimitWorld.AF_UNIX, LimitWorld.SOCK_STREAM, 0, pair));
        Log("socketpair(bad family), one free", w.SocketPair(9999, LimitWorld.SOCK_STREAM, 0, pair));
        Log("F_DUPFD(above the free one)", w.FcntlDupFd(open, fillers[1] + 1));
        int dup = w.FcntlDupFd(open, fillers[1]);
        Log("F_DUPFD(the free one)", dup);
        Log("close it", w.Close(dup));
        int efd = w.EventFd(0);
        Log("eventfd, one free", efd);
        Log("close it", w.Close(efd));

        // Two free: the later checks show, and give both numbers back.
        Log("close(filler 2)", w.Close(fillers[2]));
        Log("pipe2(NULL), two free", w.Pipe2([], 0));
        Log("socketpair(NULL), two free", w.SocketPair(LimitWorld.AF_UNIX, LimitWorld.SOCK_STREAM, 0, []));
        Log("socketpair(bad family), two free", w.SocketPair(9999, LimitWorld.SOCK_STREAM, 0, pair));
        Log("socketpair(bad protocol), two free", w.SocketPair(LimitWorld.AF_UNIX, LimitWorld.SOCK_STREAM, 5, pair));
        Log("pipe2, two free", w.Pipe2(pair, 0));
        log.Add($"pipe2's numbers: {Describe(pair[0], fillers)}, {Describe(pair[1], fillers)}");
        Log("close its read end", w.Close(pair[0]));
        Log("close its write end", w.Close(pair[1]));
        Log("eventfd after the failures", w.EventFd(0));
        Log("eventfd after the failures", w.EventFd(0));

        // The limit lowered below open descriptors: they stay usable, only new numbers at or above it fail.
        w.SetLimit(fillers[4]);
        Log("lowered: dup2(highest, itself)", w.Dup2(hi, hi));
        Log("lowered: dup(highest)", w.Dup(hi));
        Log("lowered: eventfd", w.EventFd(0));
        Log("lowered: dup2(to the highest)", w.Dup2(open, hi));
        Log("lowered: F_DUPFD(highest, 0)", w.FcntlDupFd(hi, 0));
        Log("lowered: F_DUPFD(highest, the new limit)", w.FcntlDupFd(hi, fillers[4]));
        Log("lowered: close(filler 1)", w.Close(fillers[1]));
        Log("lowered: eventfd below it", w.EventFd(0));
        Log("lowered: close(highest)", w.Close(hi));
        w.SetLimit(limit);
        return log;
    }

    /// <summary>An errno's name, "ok" for 0, "filler i" for a filler's number, or "another number".</summary>
    private static string Describe(int r, int[] fillers)
    {
        if (r < 0) return ((Errno)(-r)).ToString();
        if (r == 0) return "ok";
        int i = Array.BinarySearch(fillers, r);
        return i >= 0 ? $"filler {i}" : "another number";
    }
}

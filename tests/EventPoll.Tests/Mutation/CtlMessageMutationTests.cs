using EventPoll.Tests.Rules;
using Xunit;

namespace EventPoll.Tests.Mutation;

/// <summary>
/// The sentences epoll_ctl records for its refusals, which <see cref="EpollException"/> carries to the caller after the
/// errno's name and before the call and the descriptor. Mutation testing found each unpinned (an emptied sentence
/// survived): the errno alone was asserted.
/// </summary>
public class CtlMessageMutationTests
{
    private const EpollEvents In = EpollEvents.In;

    private readonly World _w = new();

    private Epoll NewEpoll(WatchAccount? account = null) => new(_w.Table, account ?? _w.Account);

    [Fact]
    public void AddingARegularFile_SaysRegularFilesCannotBeWatched()
    {
        using Epoll ep = NewEpoll();
        using var file = new MemoryFile(table: _w.Table);
        Refusal.Assert(Errno.EPERM,
            $"EPERM: the target file does not support polling (a regular file cannot be watched) (epoll_ctl ADD, fd {file.Fd})",
            () => ep.Add(file, In));
    }

    [Fact]
    public void AnExclusiveWatchOfAnInstance_SaysExclusiveCannotWatchAnInstance()
    {
        using Epoll outer = NewEpoll();
        using Epoll inner = NewEpoll();
        Refusal.Assert(Errno.EINVAL, $"EINVAL: EPOLLEXCLUSIVE cannot be used to watch an epoll instance (epoll_ctl ADD, fd {inner.Fd})",
            () => outer.Add(inner, In | EpollEvents.Exclusive));
    }

    [Fact]
    public void ACycleOfInstances_SaysItWouldCreateACycle_AndNamesTheLimit()
    {
        using Epoll a = NewEpoll();
        using Epoll b = NewEpoll();
        a.Add(b, In);
        Refusal.Assert(Errno.ELOOP,
            $"ELOOP: watching this instance would create a cycle or a path of more than 4 epoll-to-epoll edges (epoll_ctl ADD, fd {a.Fd})",
            () => b.Add(a, In));
    }

    [Fact]
    public void ASecondAddOfTheSameDescriptor_SaysItIsAlreadyRegistered()
    {
        using Epoll ep = NewEpoll();
        using var e = new EventFd(table: _w.Table);
        ep.Add(e, In);
        Refusal.Assert(Errno.EEXIST, $"EEXIST: this file is already registered under this descriptor (epoll_ctl ADD, fd {e.Fd})",
            () => ep.Add(e, In));
    }

    [Fact]
    public void DeletingOrModifyingAnUnregisteredDescriptor_SaysItIsNotRegistered()
    {
        using Epoll ep = NewEpoll();
        using var e = new EventFd(table: _w.Table);
        Refusal.Assert(Errno.ENOENT, $"ENOENT: the descriptor is not registered with this instance (epoll_ctl DEL, fd {e.Fd})",
            () => ep.Delete(e));
        Refusal.Assert(Errno.ENOENT, $"ENOENT: the descriptor is not registered with this instance (epoll_ctl MOD, fd {e.Fd})",
            () => ep.Modify(e, In));
    }

    [Fact]
    public void AnAddPastTheWatchLimit_SaysTheAccountIsAtItsLimit_AndNamesIt()
    {
        var account = new WatchAccount(maxWatches: 1);
        using Epoll ep = NewEpoll(account);
        using var first = new EventFd(table: _w.Table);
        using var second = new EventFd(table: _w.Table);
        ep.Add(first, In);
        Refusal.Assert(Errno.ENOSPC,
            $"ENOSPC: the watch account is at its limit of 1 watches (max_user_watches) (epoll_ctl ADD, fd {second.Fd})",
            () => ep.Add(second, In));
    }

    /// <summary>A pipe below a chain of four instances: ten instances may watch the top one (paths of 5), the 11th not.</summary>
    [Fact]
    public void AnAddPastTheWakeupPathLimit_SaysTheTargetIsReachedByTooManyPaths()
    {
        var owned = new List<FileHandle>();
        try
        {
            (DescriptorHandle reader, DescriptorHandle writer) = Pipe.Create(_w.Table);
            owned.AddRange([reader, writer]);
            FileHandle below = reader;
            for (int i = 0; i < 4; i++)
            {
                Epoll next = NewEpoll();
                owned.Add(next);
                next.Add(below, In);
                below = next;
            }
            for (int i = 0; i < 10; i++)
            {
                Epoll top = NewEpoll();
                owned.Add(top);
                top.Add(below, In);
            }
            Epoll refused = NewEpoll();
            owned.Add(refused);
            Refusal.Assert(Errno.EINVAL,
                $"EINVAL: the target is already reached by too many wakeup paths through nested instances (epoll_ctl ADD, fd {below.Fd})",
                () => refused.Add(below, In));
        }
        finally
        {
            for (int i = owned.Count - 1; i >= 0; i--) owned[i].Dispose();
        }
    }
}

using System.Runtime.InteropServices;
using EventPoll.Tests.Support;
using Xunit;

namespace EventPoll.Tests.Os;

/// <summary>
/// A kernel that refuses some system calls, as a sandbox does (a seccomp filter answering an errno: Docker's default
/// profile, systemd's SystemCallFilter, an older kernel's ENOSYS): the refusal paths of the kernel side, reached for
/// real. The filter is installed on a thread made for the purpose and dies with it (seccomp(2) without
/// SECCOMP_FILTER_FLAG_TSYNC binds only the calling thread, as PR_SET_NO_NEW_PRIVS does), so no other test sees it.
/// </summary>
internal static unsafe partial class SyscallRefusal
{
    // x86-64 numbers (the tests run there; the filter lets every call of another architecture through).
    internal const int SysEpollCtl = 233, SysIoUringSetup = 425, SysIoUringEnter = 426, SysEpollPwait2 = 441;

    private const uint AuditArchX8664 = 0xC000003E, RetAllow = 0x7fff0000, RetErrno = 0x00050000;
    private const ushort LdWordAbs = 0x20, JmpJeqK = 0x15, RetK = 0x06; // BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K
    private const int PrSetNoNewPrivs = 38, PrSetSeccomp = 22, SeccompModeFilter = 2;

    /// <summary>
    /// Runs <paramref name="body"/> on a new thread whose system calls <paramref name="numbers"/> the kernel answers
    /// with <paramref name="errno"/>, and returns its result (its exception, rethrown here); fails after
    /// <see cref="Bounded.Limit"/>.
    /// </summary>
    internal static T OnThread<T>(Errno errno, int[] numbers, Func<T> body)
    {
        T result = default!;
        Exception? thrown = null;
        var thread = new Thread(() =>
        {
            try
            {
                Install(errno, numbers);
                result = body();
            }
            catch (Exception e)
            {
                thrown = e;
            }
        }) { IsBackground = true, Name = "refused " + string.Join(",", numbers) };
        thread.Start();
        Bounded.Join(thread, "the thread with the seccomp filter");
        if (thrown is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(thrown);
        return result;
    }

    /// <summary>As <see cref="OnThread{T}"/>, for a body without a result.</summary>
    internal static void OnThread(Errno errno, int[] numbers, Action body) => OnThread(errno, numbers, () =>
    {
        body();
        return 0;
    });

    private static void Install(Errno errno, int[] numbers)
    {
        // Load the architecture; any but x86-64 is allowed. Load the number; each refused one jumps to the errno.
        var program = new List<SockFilter>
        {
            new(LdWordAbs, 0, 0, 4),
            new(JmpJeqK, 1, 0, AuditArchX8664),
            new(RetK, 0, 0, RetAllow),
            new(LdWordAbs, 0, 0, 0),
        };
        foreach (int number in numbers) program.Add(new(JmpJeqK, (byte)(numbers.Length - program.Count + 4), 0, (uint)number));
        program.Add(new(RetK, 0, 0, RetAllow));
        program.Add(new(RetK, 0, 0, RetErrno | (uint)errno));
        SockFilter[] filter = [.. program];
        fixed (SockFilter* f = filter)
        {
            var prog = new SockFprog { Length = (ushort)filter.Length, Filter = f };
            Assert.True(Prctl(PrSetNoNewPrivs, 1, 0, 0, 0) == 0, $"prctl(PR_SET_NO_NEW_PRIVS): {Marshal.GetLastPInvokeError()}");
            Assert.True(Prctl(PrSetSeccomp, SeccompModeFilter, (nint)(&prog), 0, 0) == 0, $"prctl(PR_SET_SECCOMP): {Marshal.GetLastPInvokeError()}");
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly struct SockFilter(ushort code, byte jumpTrue, byte jumpFalse, uint k)
    {
        public readonly ushort Code = code;
        public readonly byte JumpTrue = jumpTrue;
        public readonly byte JumpFalse = jumpFalse;
        public readonly uint K = k;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SockFprog
    {
        public ushort Length;
        public SockFilter* Filter;
    }

    // prctl(2) is variadic in C; PR_SET_NO_NEW_PRIVS needs its unused arguments 0, so all five are passed.
    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, nint arg2, nint arg3, nint arg4, nint arg5);
}

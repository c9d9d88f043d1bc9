using System.Buffers.Binary;

namespace Emulator.Core.Kernel.Signals;

/// <summary>
/// A <c>siginfo_t</c> (128 bytes on x86-64): signal number, errno, code and the union the code
/// selects — the sender's PID and UID (kill, tgkill, SIGCHLD with its status), or the faulting address
/// (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP).
/// </summary>
/// <remarks>include/uapi/asm-generic/siginfo.h: si_signo at 0, si_errno at 4, si_code at 8, the union
/// at 16: _kill {pid 16, uid 20}, _sigchld {pid 16, uid 20, status 24, utime 32, stime 40},
/// _sigfault {addr 16}, _timer {tid 16, overrun 20, sigval 24}.</remarks>
internal readonly record struct SigInfo(int Signal, int Code, int Pid = 0, uint Uid = 0, ulong Address = 0,
    int Status = 0, long Utime = 0, long Stime = 0, int Errno = 0)
{
    public const int Size = 128;

    /// <summary>A signal sent by <c>kill</c> (SI_USER) or <c>tgkill</c> (SI_TKILL) from <paramref name="pid"/>.</summary>
    public static SigInfo FromUser(int signal, int code, int pid, uint uid) => new(signal, code, pid, uid);

    /// <summary>A signal the kernel raised (SIGPIPE, SIGALRM...): SI_KERNEL.</summary>
    public static SigInfo Kernel(int signal) => new(signal, SignalAbi.SiKernel);

    /// <summary>A fault at <paramref name="address"/>.</summary>
    public static SigInfo Fault(int signal, int code, ulong address) => new(signal, code, Address: address);

    public bool IsFault => Signal is SignalAbi.SigSegv or SignalAbi.SigBus or SignalAbi.SigIll or SignalAbi.SigFpe or SignalAbi.SigTrap
        && Code > 0 && Code != SignalAbi.SiKernel;

    /// <summary>Writes the 128-byte structure.</summary>
    public void WriteTo(Span<byte> b)
    {
        b[..Size].Clear();
        BinaryPrimitives.WriteInt32LittleEndian(b, Signal);
        BinaryPrimitives.WriteInt32LittleEndian(b[4..], Errno);
        BinaryPrimitives.WriteInt32LittleEndian(b[8..], Code);
        if (IsFault)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(b[16..], Address);
            return;
        }
        BinaryPrimitives.WriteInt32LittleEndian(b[16..], Pid);
        BinaryPrimitives.WriteUInt32LittleEndian(b[20..], Uid);
        if (Signal == SignalAbi.SigChld)
        {
            BinaryPrimitives.WriteInt32LittleEndian(b[24..], Status);
            BinaryPrimitives.WriteInt64LittleEndian(b[32..], Utime);
            BinaryPrimitives.WriteInt64LittleEndian(b[40..], Stime);
        }
    }
}

using Emulator.Core.Diagnostics;
using Emulator.Core.Kernel.Sys;
using Emulator.Core.Mm;
using static Emulator.Core.Kernel.Sys.LinuxAbi;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
    /// <summary>
    /// Handles the <c>syscall</c> that <paramref name="p"/> just retired on <paramref name="v"/>: the
    /// number in RAX, arguments in RDI, RSI, RDX, R10, R8, R9, the result (or -errno) back in RAX.
    /// </summary>
    /// <param name="v">The vCPU; its state holds the live registers.</param>
    /// <param name="p">The calling process.</param>
    /// <param name="syscallRip">The address of the syscall instruction (to re-issue a blocked wait4).</param>
    /// <returns>False when the process left the vCPU (it exited or sleeps).</returns>
    private bool Syscall(Vcpu v, GuestProcess p, ulong syscallRip)
    {
        var s = v.Cpu.State;
        ulong nr = s.Rax, a0 = s.Rdi, a1 = s.Rsi, a2 = s.Rdx, a3 = s.R10, a4 = s.R8, a5 = s.R9;
        long r;
        switch (nr)
        {
            case Read: r = ReadFile(p, a0, a1, a2); break;
            case Write: r = WriteFile(p, a0, a1, a2); break;
            case Open: r = OpenFile(p, a0, a1); break;
            case Openat: r = OpenFile(p, a1, a2); break;
            case Close: r = CloseFile(p, a0); break;
            case Ioctl:
                r = IoctlFile(p, a0, a1, a2);
                // The device may have DMA-written anywhere in the process (SVA_SUBMIT's destination and
                // completion record), code pages included: drop every decoded page.
                _code.InvalidateAll();
                break;
            case Mmap: r = MapMemory(p, a0, a1, a2, a3, a4, a5); break;
            case Munmap: r = Return(p.Mm.Munmap(a0, a1)); break;
            case Mprotect: r = Return(p.Mm.Mprotect(a0, a1, (Protection)(uint)a2)); break;
            case Madvise: r = Return(p.Mm.Madvise(a0, a1, (Advice)(int)a2)); break;
            case Mremap: r = RemapMemory(p, a0, a1, a2, a3, a4); break;
            case Brk: r = (long)p.Mm.Brk(a0); break;
            case Getpid: r = p.Pid; break;
            case LinuxAbi.Fork: r = Fork(v, p); break;
            case LinuxAbi.Wait4:
                r = Wait4(p, a0, a1, a2, a3);
                KernelWrote(p, a1, sizeof(int));
                KernelWrote(p, a3, LinuxAbi.RusageSize);
                if (r == Blocked)
                {
                    // Sleep; when a child exits the call runs again from the start, like a restarted syscall.
                    s.Rip = syscallRip;
                    s.Rax = nr;
                    Undispatch(v, GuestProcessState.Waiting);
                    return false;
                }
                break;
            case Exit:
            case ExitGroup:
                ExitProcess(p, (int)(a0 & 0xff) << 8, null); // single-threaded: exit is exit_group
                return false;
            case ClockGettime: r = ClockGetTime(p, a0, a1); KernelWrote(p, a1, 16); break;
            default: r = Unknown(p, nr); break;
        }
        s.Rax = (ulong)r;
        return true;
    }

    private static long Return(Errno err) => KernelErrno.Return(err);

    /// <summary>clock_gettime(2) on the virtual clock: <see cref="GuestKernelOptions.NanosecondsPerInstruction"/>
    /// per instruction retired by all processes; the CPU-time clocks count the caller's own.</summary>
    private long ClockGetTime(GuestProcess p, ulong clock, ulong ts)
    {
        long ns;
        switch (clock)
        {
            case 0 or 5 or 8 or 11: // REALTIME, REALTIME_COARSE, REALTIME_ALARM, TAI
                ns = _retired * _options.NanosecondsPerInstruction + _options.RealtimeEpochSeconds * 1_000_000_000;
                break;
            case 1 or 4 or 6 or 7 or 9: // MONOTONIC, _RAW, _COARSE, BOOTTIME, BOOTTIME_ALARM
                ns = _retired * _options.NanosecondsPerInstruction;
                break;
            case 2 or 3: // PROCESS_CPUTIME_ID, THREAD_CPUTIME_ID
                ns = p.Instructions * _options.NanosecondsPerInstruction;
                break;
            default:
                return Return(Errno.EINVAL);
        }
        Span<byte> b = stackalloc byte[16];
        BitConverter.TryWriteBytes(b, ns / 1_000_000_000);
        BitConverter.TryWriteBytes(b[8..], ns % 1_000_000_000);
        return p.Mm.WriteUser(ts, b, out _) == Errno.Ok ? 0 : Return(Errno.EFAULT);
    }

    private long Unknown(GuestProcess p, ulong nr)
    {
        if (_unknownSyscalls.Add(nr))
        {
            Log.Unimplemented.Warn("{0}: system call {1} is not implemented: -ENOSYS (logged once per number)", p, nr);
        }
        return Return(Errno.ENOSYS);
    }
}

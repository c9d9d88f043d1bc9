using Emulator.Core.Diagnostics;
using Emulator.Core.Kernel.Sys;
using Emulator.Core.Mm;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
    /// <summary>A handler's result meaning "the handler set the registers itself" (rt_sigreturn, execve):
    /// nothing is written to RAX and the thread stays on the vCPU.</summary>
    private const long Replaced = long.MinValue + 1;

    /// <summary>
    /// Handles the <c>syscall</c> that <paramref name="t"/> just retired on <paramref name="v"/>: the
    /// number in RAX, arguments in RDI, RSI, RDX, R10, R8, R9, the result (or -errno) back in RAX.
    /// </summary>
    /// <param name="v">The vCPU; its state holds the live registers.</param>
    /// <param name="t">The calling thread.</param>
    /// <param name="syscallRip">The address of the syscall instruction (to restart a call).</param>
    /// <returns>False when the thread left the vCPU (it exited or sleeps).</returns>
    private bool Syscall(Vcpu v, GuestThread t, ulong syscallRip)
    {
        var s = v.Cpu.State;
        ulong nr = s.Rax, a0 = s.Rdi, a1 = s.Rsi, a2 = s.Rdx, a3 = s.R10, a4 = s.R8, a5 = s.R9;
        t.SyscallRip = syscallRip;
        t.SyscallNextRip = s.Rip;
        t.SyscallNumber = nr;
        var p = t.Process;
        long r = nr switch
        {
            // memory
            Nr.Mmap => MapMemory(p, a0, a1, a2, a3, a4, a5),
            Nr.Munmap => Return(p.Mm.Munmap(a0, a1)),
            Nr.Mprotect => Return(p.Mm.Mprotect(a0, a1, (Protection)(uint)a2)),
            Nr.Madvise => Madvise(p, a0, a1, a2),
            Nr.Mremap => RemapMemory(p, a0, a1, a2, a3, a4),
            Nr.Brk => (long)p.Mm.Brk(a0),
            Nr.Mincore => Mincore(p, a0, a1, a2),
            Nr.Msync => Msync(p, a0, a1, a2),
            Nr.Mlock or Nr.Munlock or Nr.Mlock2 => ValidRange(p, a0, a1),
            Nr.Mlockall or Nr.Munlockall => 0,
            Nr.Membarrier => Membarrier(a0, a1),

            // processes and threads
            Nr.Getpid => p.Pid,
            Nr.Gettid => t.Tid,
            Nr.Getppid => p.Parent?.Pid ?? 0,
            Nr.Fork => Clone(v, t, Sys.CloneFlags.Fork, 0, 0, 0, 0, vfork: false),
            Nr.Vfork => Clone(v, t, Sys.CloneFlags.Vm | Sys.CloneFlags.Vfork | (ulong)Signals.SignalAbi.SigChld, 0, 0, 0, 0, vfork: true),
            Nr.Clone => Clone(v, t, a0, a1, a2, a3, a4, vfork: false),
            Nr.Clone3 => Clone3(v, t, a0, a1),
            Nr.Execve => Execve(v, t, Sys.LinuxAbi.AtFdcwd, a0, a1, a2, 0),
            Nr.Execveat => Execve(v, t, a0, a1, a2, a3, a4),
            Nr.Exit => ExitThread(v, t, (int)(a0 & 0xff)),
            Nr.ExitGroup => ExitGroup(v, t, (int)(a0 & 0xff)),
            Nr.Wait4 => Wait4(v, t, a0, a1, a2, a3),
            Nr.Waitid => Waitid(v, t, a0, a1, a2, a3, a4),
            Nr.SetTidAddress => SetTidAddress(t, a0),
            Nr.SetRobustList => SetRobustList(t, a0, a1),
            Nr.GetRobustList => GetRobustList(t, a0, a1, a2),
            Nr.Futex => Futex(v, t, a0, a1, a2, a3, a4, a5),
            Nr.ArchPrctl => ArchPrctl(v, t, a0, a1),
            Nr.Rseq => Return(Errno.ENOSYS), // glibc then manages without (sched_getcpu falls back to getcpu)
            Nr.SchedYield => SchedYield(v),
            Nr.SchedGetaffinity => SchedGetAffinity(p, a0, a1, a2),
            Nr.SchedSetaffinity => SchedSetAffinity(p, a0, a1, a2),
            Nr.SchedGetscheduler => LivePid(a0) ? 0 : Return(Errno.ESRCH), // SCHED_OTHER
            Nr.SchedSetscheduler => LivePid(a0) ? Return(Errno.EPERM) : Return(Errno.ESRCH),
            Nr.SchedGetparam => SchedGetParam(p, a0, a1),
            Nr.SchedSetparam => LivePid(a0) ? 0 : Return(Errno.ESRCH),
            Nr.SchedGetPriorityMax or Nr.SchedGetPriorityMin => a0 is 1 or 2 ? (nr == Nr.SchedGetPriorityMax ? 99 : 1) : a0 is 0 or 3 or 5 ? 0 : Return(Errno.EINVAL),
            Nr.SchedRrGetInterval => SchedRrGetInterval(p, a0, a1),
            Nr.Getcpu => Getcpu(v, p, a0, a1),
            Nr.Getpriority => LivePid(a1) ? 20 : Return(Errno.ESRCH), // nice 0, as the kernel returns it (20 - nice)
            Nr.Setpriority => LivePid(a1) ? ((long)a2 >= 0 ? 0 : Return(Errno.EACCES)) : Return(Errno.ESRCH),
            Nr.Prctl => Prctl(t, a0, a1, a2, a3, a4),
            Nr.Personality => a0 == 0xffff_ffff || a0 == 0 ? 0 : Return(Errno.EINVAL),

            // identity and limits
            Nr.Getuid or Nr.Geteuid => _options.Image.Uid,
            Nr.Getgid or Nr.Getegid => _options.Image.Gid,
            Nr.Getresuid => GetRes(p, a0, a1, a2, _options.Image.Uid),
            Nr.Getresgid => GetRes(p, a0, a1, a2, _options.Image.Gid),
            Nr.Setuid or Nr.Setgid or Nr.Setfsuid or Nr.Setfsgid => SetId(nr, a0),
            Nr.Setreuid or Nr.Setregid or Nr.Setresuid or Nr.Setresgid => SetIds(nr, a0, a1, a2),
            Nr.Getgroups => Getgroups(p, a0, a1),
            Nr.Setgroups => Return(Errno.EPERM),
            Nr.Capget => Capget(p, a0, a1),
            Nr.Capset => Return(Errno.EPERM),
            Nr.Getpgrp => p.Pgid,
            Nr.Getpgid => Getpgid(p, a0),
            Nr.Setpgid => Setpgid(p, a0, a1),
            Nr.Getsid => Getsid(p, a0),
            Nr.Setsid => Setsid(p),
            Nr.Uname => Uname(p, a0),
            Nr.Sysinfo => Sysinfo(p, a0),
            Nr.Getrlimit => Prlimit(p, 0, a0, 0, a1),
            Nr.Setrlimit => Prlimit(p, 0, a0, a1, 0),
            Nr.Prlimit64 => Prlimit(p, a0, a1, a2, a3),
            Nr.Getrusage => Getrusage(t, a0, a1),
            Nr.Times => Times(p, a0),
            Nr.Getrandom => Getrandom(p, a0, a1, a2),

            // time
            Nr.ClockGettime => ClockGetTime(t, a0, a1),
            Nr.ClockGetres => ClockGetRes(p, a0, a1),
            Nr.ClockSettime => Return(Errno.EPERM),
            Nr.Gettimeofday => GetTimeOfDay(p, a0, a1),
            Nr.Time => Time(p, a0),
            Nr.Nanosleep => Nanosleep(v, t, 1, 0, a0, a1),
            Nr.ClockNanosleep => Nanosleep(v, t, a0, a1, a2, a3),
            Nr.Alarm => Alarm(p, a0),
            Nr.Setitimer => Setitimer(p, a0, a1, a2),
            Nr.Getitimer => Getitimer(p, a0, a1),

            // signals
            Nr.RtSigaction => RtSigaction(p, a0, a1, a2, a3),
            Nr.RtSigprocmask => RtSigprocmask(t, a0, a1, a2, a3),
            Nr.RtSigreturn => RtSigreturn(v, t),
            Nr.RtSigpending => RtSigpending(t, a0, a1),
            Nr.RtSigsuspend => RtSigsuspend(v, t, a0, a1),
            Nr.RtSigtimedwait => RtSigtimedwait(v, t, a0, a1, a2, a3),
            Nr.RtSigqueueinfo => RtSigqueueinfo(t, a0, a1, a2, tid: 0),
            Nr.RtTgsigqueueinfo => RtSigqueueinfo(t, a0, a2, a3, tid: a1),
            Nr.Sigaltstack => Sigaltstack(v, t, a0, a1),
            Nr.Pause => Pause(v),
            Nr.Kill => Kill(t, (long)a0, a1),
            Nr.Tkill => Tgkill(t, -1, (long)a0, a1),
            Nr.Tgkill => Tgkill(t, (long)a0, (long)a1, a2),
            Nr.RestartSyscall => Return(Errno.EINTR),

            _ => OtherSyscall(v, t, nr, a0, a1, a2, a3, a4, a5),
        };
        if (r == Blocked)
        {
            return false;
        }
        if (v.Current != t)
        {
            return false; // the call ended the thread (exit, a fatal signal to its own group)
        }
        if (r != Replaced)
        {
            if (t.KeepCallSlots)
            {
                t.KeepCallSlots = false;
            }
            else
            {
                EndCallSlots(t);
            }
            s.Rax = (ulong)r;
            if (t.SavedSignalMask is ulong saved && !HasDeliverableSignal(t))
            {
                // ppoll/pselect6's temporary mask ends with the call unless a signal it let through is
                // about to be delivered (whose frame then restores it).
                t.SignalMask = saved;
                t.SavedSignalMask = null;
            }
        }
        return true;
    }

    private static long Return(Errno err) => KernelErrno.Return(err);

    /// <summary>A PID argument that is 0 (the caller) or names a live process.</summary>
    private bool LivePid(ulong pid) => (int)pid == 0 || ProcessOf((int)pid) is { HasExited: false };

    private GuestProcess? ProcessOf(int pid)
    {
        foreach (var p in _processes)
        {
            if (p.Pid == pid)
            {
                return p;
            }
        }
        return null;
    }

    /// <summary>The file layer, the device ioctls, then -ENOSYS (logged once per number, with its name).</summary>
    private long OtherSyscall(Vcpu v, GuestThread t, ulong nr, ulong a0, ulong a1, ulong a2, ulong a3, ulong a4, ulong a5)
    {
        if (TryFileSyscall(v, t, nr, a0, a1, a2, a3, a4, a5, out long r))
        {
            return r;
        }
        if (_unknownSyscalls.Add(nr))
        {
            Log.Unimplemented.Warn("{0}: system call {1} ({2}) is not implemented: -ENOSYS (logged once per call)", t, nr, SyscallNames.Of(nr));
        }
        return Return(Errno.ENOSYS);
    }
}

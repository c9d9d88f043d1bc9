using Emulator.Core.Cpu;
using Emulator.Core.Diagnostics;
using Emulator.Core.Kernel.Signals;
using Emulator.Core.Kernel.Sys;
using Emulator.Core.Mm;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
    /// <summary>
    /// clone(2) (and fork, vfork): a thread of the caller's process (CLONE_THREAD, which needs
    /// CLONE_SIGHAND and CLONE_VM), or a new process that shares the address space (CLONE_VM) or gets
    /// a copy-on-write copy, shares the signal dispositions (CLONE_SIGHAND) or copies them. The child
    /// starts at the instruction after the syscall with RAX = 0, on <paramref name="stack"/> when non-zero,
    /// with FS base <paramref name="tls"/> under CLONE_SETTLS. CLONE_VFORK puts the caller to sleep
    /// until the child execs or exits.
    /// </summary>
    /// <returns>The child's thread ID, or -errno: EINVAL (inconsistent flags), EPERM (namespaces),
    /// EFAULT (a TID address that cannot be written), EAGAIN (no memory for the copy).</returns>
    /// <remarks>kernel/fork.c copy_process.</remarks>
    private long Clone(Vcpu v, GuestThread t, ulong flags, ulong stack, ulong parentTid, ulong childTid, ulong tls, bool vfork)
    {
        var p = t.Process;
        bool thread = (flags & CloneFlags.Thread) != 0;
        if ((thread && (flags & CloneFlags.Sighand) == 0) || ((flags & CloneFlags.Sighand) != 0 && (flags & CloneFlags.Vm) == 0)
            || ((flags & CloneFlags.Fs) != 0 && (flags & CloneFlags.NewNs) != 0))
        {
            return Return(Errno.EINVAL);
        }
        if ((flags & CloneFlags.Namespaces) != 0)
        {
            return Return(Errno.EPERM);
        }
        var regs = v.Cpu.State.Clone();
        regs.Rax = 0;
        if ((flags & CloneFlags.Vm) == 0)
        {
            regs.Ia32Pasid = 0; // a forked mm has no PASID until it binds
        }
        if (stack != 0)
        {
            regs.Rsp = stack;
        }
        if ((flags & CloneFlags.SetTls) != 0)
        {
            regs.FsBase = tls;
        }
        GuestProcess owner;
        int tid;
        if (thread)
        {
            owner = p;
            tid = _nextPid++;
        }
        else
        {
            AddressSpace mm;
            if ((flags & CloneFlags.Vm) != 0)
            {
                mm = p.Mm;
            }
            else
            {
                var err = p.Mm.Fork(out var copy);
                if (err != Errno.Ok)
                {
                    return Return(err == Errno.ESRCH ? Errno.EAGAIN : err);
                }
                mm = copy!;
            }
            var files = (flags & CloneFlags.Files) != 0 ? p.Files : p.Files.Clone();
            var fs = (flags & CloneFlags.Fs) != 0 ? p.Fs : p.Fs.Clone();
            var actions = (flags & CloneFlags.Sighand) != 0 ? p.Actions : p.Actions.Clone();
            var parent = (flags & CloneFlags.Parent) != 0 ? p.Parent : p;
            owner = NewProcess(parent, p.Name, mm, files, fs, actions);
            owner.ExitSignal = (int)(flags & CloneFlags.SignalMask);
            owner.ExePath = p.ExePath;
            owner.ExeImage = p.ExeImage;
            owner.Cmdline = p.Cmdline;
            owner.Environ = p.Environ;
            owner.ImageRanges = p.ImageRanges;
            owner.HeapStart = p.HeapStart;
            owner.StackStart = p.StackStart;
            owner.StackEnd = p.StackEnd;
            tid = owner.Pid;
        }
        if ((flags & CloneFlags.ParentSetTid) != 0 && PutU32(p.Mm, parentTid, (uint)tid) != Errno.Ok)
        {
            Log.GuestError.Debug("{0}: clone: CLONE_PARENT_SETTID address {1:x} not writable", t, parentTid);
        }
        var child = NewThread(owner, tid, regs);
        child.Comm = t.Comm;
        child.SignalMask = t.SignalMask;
        if ((flags & CloneFlags.Vm) == 0 || (flags & CloneFlags.Vfork) != 0)
        {
            child.AltStackSp = t.AltStackSp;
            child.AltStackSize = t.AltStackSize;
            child.AltStackFlags = t.AltStackFlags;
        }
        if ((flags & CloneFlags.ChildSetTid) != 0)
        {
            PutU32(owner.Mm, childTid, (uint)tid);
        }
        if ((flags & CloneFlags.ChildClearTid) != 0)
        {
            child.ClearChildTid = childTid;
        }
        s_log.Debug("{0} cloned {1} (flags {2:x})", t, child, flags);
        if (vfork || (flags & CloneFlags.Vfork) != 0)
        {
            owner.VforkParent = t;
            t.IsVforkParent = true;
            return Block(v, null, long.MaxValue, WakeMode.Complete, RestartKind.RestartIfSaRestart);
        }
        return tid;
    }

    /// <summary>clone3(2): <c>struct clone_args</c> {flags, pidfd, child_tid, parent_tid, exit_signal,
    /// stack, stack_size, tls, set_tid, set_tid_size, cgroup}, 64 to 88 bytes.</summary>
    private long Clone3(Vcpu v, GuestThread t, ulong argsVa, ulong size)
    {
        const int Ver0 = 64;
        if (size < Ver0 || size > Memory.Page.Size)
        {
            return Return(Errno.EINVAL);
        }
        Span<byte> a = stackalloc byte[88];
        a.Clear();
        int n = (int)Math.Min(size, 88UL);
        if (CopyFromUser(t.Process.Mm, argsVa, a[..n]) != Errno.Ok)
        {
            return Return(Errno.EFAULT);
        }
        ulong flags = U64(a, 0), childTid = U64(a, 2), parentTid = U64(a, 3), exitSignal = U64(a, 4), stack = U64(a, 5),
            stackSize = U64(a, 6), tls = U64(a, 7), setTidSize = U64(a, 9);
        if ((flags & CloneFlags.Pidfd) != 0 || setTidSize != 0 || (flags & (CloneFlags.ClearSighand | CloneFlags.IntoCgroup)) != 0)
        {
            return Return(Errno.EINVAL); // pidfds, set_tid and cgroups are not offered
        }
        if (exitSignal > SignalAbi.MaxSignal || (flags & CloneFlags.SignalMask) != 0 || (stack == 0) != (stackSize == 0))
        {
            return Return(Errno.EINVAL);
        }
        return Clone(v, t, flags | exitSignal, stack == 0 ? 0 : stack + stackSize, parentTid, childTid, tls, vfork: false);
    }

    private static ulong U64(ReadOnlySpan<byte> b, int index) => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(b[(8 * index)..]);

    /// <summary>set_tid_address(2): remembers the futex word to clear and wake when the thread exits.</summary>
    private static long SetTidAddress(GuestThread t, ulong tidptr)
    {
        t.ClearChildTid = tidptr;
        return t.Tid;
    }

    /// <summary>set_robust_list(2): the list head; its length must be sizeof(struct robust_list_head) = 24.</summary>
    private static long SetRobustList(GuestThread t, ulong head, ulong length)
    {
        if (length != 24)
        {
            return Return(Errno.EINVAL);
        }
        t.RobustListHead = head;
        t.RobustListLength = length;
        return 0;
    }

    private long GetRobustList(GuestThread t, ulong pid, ulong headPtr, ulong lenPtr)
    {
        var target = pid == 0 ? t : _threads.GetValueOrDefault((int)pid);
        if (target is null || target.State == GuestThreadState.Exited)
        {
            return Return(Errno.ESRCH);
        }
        if (PutU64(t.Process.Mm, headPtr, target.RobustListHead) != Errno.Ok || PutU64(t.Process.Mm, lenPtr, 24) != Errno.Ok)
        {
            return Return(Errno.EFAULT);
        }
        return 0;
    }

    /// <summary>arch_prctl(2): ARCH_SET_FS / ARCH_GET_FS / ARCH_SET_GS / ARCH_GET_GS (a base must be
    /// canonical: -EPERM otherwise, as do_arch_prctl_64 answers); ARCH_GET_CPUID is 1 (CPUID works).</summary>
    private long ArchPrctl(Vcpu v, GuestThread t, ulong code, ulong addr)
    {
        const ulong SetGs = 0x1001, SetFs = 0x1002, GetFs = 0x1003, GetGs = 0x1004, GetCpuid = 0x1011, SetCpuid = 0x1012;
        var s = v.Cpu.State;
        bool canonical = addr < 0x0000_8000_0000_0000UL;
        switch (code)
        {
            case SetFs:
                if (!canonical)
                {
                    return Return(Errno.EPERM);
                }
                s.FsBase = addr;
                return 0;
            case SetGs:
                if (!canonical)
                {
                    return Return(Errno.EPERM);
                }
                s.GsBase = addr;
                return 0;
            case GetFs:
                return PutU64(t.Process.Mm, addr, s.FsBase) == Errno.Ok ? 0 : Return(Errno.EFAULT);
            case GetGs:
                return PutU64(t.Process.Mm, addr, s.GsBase) == Errno.Ok ? 0 : Return(Errno.EFAULT);
            case GetCpuid:
                return 1;
            case SetCpuid:
                return addr == 1 ? 0 : Return(Errno.ENODEV);
            default:
                return Return(Errno.EINVAL);
        }
    }

    /// <summary>sched_yield(2): the caller goes to the back of the run queue.</summary>
    private long SchedYield(Vcpu v)
    {
        if (_options.Schedule.Strategy == ScheduleStrategy.Pct)
        {
            _pctYielded = v.Current;
            return 0;
        }
        if (_runQueue.Count == 0)
        {
            return 0;
        }
        v.Cpu.State.Rax = 0;
        Undispatch(v, GuestThreadState.Runnable);
        return Blocked;
    }

    /// <summary>exit(2): ends the calling thread only; the last thread's exit ends the process.</summary>
    private long ExitThread(Vcpu v, GuestThread t, int code)
    {
        var p = t.Process;
        if (p.Threads.Count == 1)
        {
            ExitProcess(p, code << 8, null);
        }
        else
        {
            ReleaseThread(t);
        }
        return Blocked;
    }

    /// <summary>exit_group(2): every thread of the process ends; the status is <paramref name="code"/>.</summary>
    private long ExitGroup(Vcpu v, GuestThread t, int code)
    {
        ExitProcess(t.Process, code << 8, null);
        return Blocked;
    }

    /// <summary>
    /// A thread ends (mm_release + exit_notify for a non-leader): its robust futexes are marked
    /// OWNER_DIED and woken, its clear_child_tid word is zeroed and woken (pthread_join waits on it),
    /// and it leaves the vCPU, the run queue or whatever it slept on.
    /// </summary>
    private void ReleaseThread(GuestThread t)
    {
        var p = t.Process;
        if (t.State == GuestThreadState.Exited)
        {
            return;
        }
        var v = VcpuOf(t);
        if (v is not null)
        {
            v.Cpu.State.CopyTo(t.Registers);
            p.Mm.DetachCpu(v.Mmu);
            v.Current = null;
        }
        if (t.State == GuestThreadState.Blocked)
        {
            EndSleep(t);
        }
        t.State = GuestThreadState.Exited;
        if (p.Mm.IsLive)
        {
            ExitRobustList(t);
            if (t.ClearChildTid != 0)
            {
                if (PutU32(p.Mm, t.ClearChildTid, 0) == Errno.Ok)
                {
                    FutexWake(p.Mm, t.ClearChildTid, 1, uint.MaxValue, shared: true);
                }
                t.ClearChildTid = 0;
            }
        }
        p.Threads.Remove(t);
        _threads.Remove(t.Tid);
        // Signals pending for the thread alone die with it.
        t.Pending.Clear();
    }

    /// <summary>
    /// do_exit for the whole thread group: every thread released, every descriptor closed (the last
    /// close of an SVA file unbinds it), the mm dropped (torn down when its last user goes; its SVA
    /// bonds see the mm exit), children orphaned, a vfork parent released, and a zombie for the parent
    /// with <see cref="GuestProcess.ExitSignal"/> sent to it — or reaped at once when the parent is
    /// gone or ignores SIGCHLD.
    /// </summary>
    private void ExitProcess(GuestProcess p, int waitStatus, string? report)
    {
        if (p.HasExited)
        {
            return;
        }
        p.GroupExiting = true;
        foreach (var t in p.Threads.ToArray())
        {
            ReleaseThread(t);
        }
        if (!SharesFiles(p))
        {
            p.Files.CloseAll();
        }
        DropMm(p.Mm);
        if (p.AlarmDeadline != long.MaxValue)
        {
            p.AlarmDeadline = long.MaxValue;
            _alarms.Remove(p);
        }
        p.WaitStatus = waitStatus;
        p.Report = report;
        ReleaseVforkParent(p);
        foreach (var c in p.Children)
        {
            c.Parent = null;
            if (c.State == GuestProcessState.Zombie)
            {
                c.State = GuestProcessState.Reaped;
            }
        }
        p.Children.Clear();
        var parent = p.Parent;
        if (parent is null || parent.HasExited)
        {
            p.State = GuestProcessState.Reaped;
            return;
        }
        p.State = GuestProcessState.Zombie;
        int sig = p.ExitSignal;
        var action = parent.Actions[SignalAbi.SigChld];
        bool autoReap = sig == SignalAbi.SigChld && (action.IsIgnore || (action.Flags & SignalAbi.SaNoCldWait) != 0);
        if (sig != 0)
        {
            int code = (waitStatus & 0x7f) == 0 ? SignalAbi.CldExited : SignalAbi.CldKilled;
            int status = code == SignalAbi.CldExited ? (waitStatus >> 8) & 0xff : waitStatus & 0x7f;
            SendProcessSignal(parent, new SigInfo(sig, code, p.Pid, _options.Image.Uid, Status: status,
                Utime: p.Instructions * _options.NanosecondsPerInstruction / 10_000_000));
        }
        if (autoReap)
        {
            p.State = GuestProcessState.Reaped;
            parent.Children.Remove(p);
        }
        WakeAll(parent.ChildWait);
    }

    /// <summary>True when another live process uses <paramref name="p"/>'s descriptor table (CLONE_FILES).</summary>
    private bool SharesFiles(GuestProcess p)
    {
        foreach (var q in _processes)
        {
            if (q != p && !q.HasExited && q.Files == p.Files)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>A process no longer uses <paramref name="mm"/>: the last user tears it down.</summary>
    private void DropMm(AddressSpace mm)
    {
        int users = _mmUsers.GetValueOrDefault(mm) - 1;
        if (users > 0)
        {
            _mmUsers[mm] = users;
            return;
        }
        _mmUsers.Remove(mm);
        foreach (var v in _vcpus)
        {
            mm.DetachCpu(v.Mmu);
        }
        mm.Exit();
        // The mm's SVA contexts free their PASIDs after an SRCU grace period: wait for it here, so the
        // next bind's PASID does not depend on host thread timing.
        mm.Notifiers.Synchronize();
    }

    /// <summary>The vfork child execs or exits: its parent thread's vfork returns the child's PID.</summary>
    private void ReleaseVforkParent(GuestProcess child)
    {
        if (child.VforkParent is { } parent)
        {
            child.VforkParent = null;
            parent.IsVforkParent = false;
            Wake(parent, child.Pid);
        }
    }

    /// <summary>Ends <paramref name="p"/> as killed by <paramref name="signal"/>, with a crash report
    /// (logged as a guest error).</summary>
    private void KillProcess(GuestProcess p, int signal, string report)
    {
        report = $"{p}: {report}";
        Log.GuestError.Info(report);
        ExitProcess(p, signal & 0x7f, report);
    }
}

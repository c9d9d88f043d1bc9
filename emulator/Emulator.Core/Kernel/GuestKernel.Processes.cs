using Emulator.Core.Diagnostics;
using Emulator.Core.Kernel.Sys;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
    /// <summary>wait4 found a live child and no WNOHANG: the caller sleeps and re-issues the call.</summary>
    private const long Blocked = long.MinValue;

    /// <summary>fork(2): a copy-on-write copy of the mm, the registers with RAX = 0, the descriptor
    /// table copied (each open file description gains a reference). The child is runnable.</summary>
    private long Fork(Vcpu v, GuestProcess p)
    {
        var err = p.Mm.Fork(out var childMm);
        if (err != Errno.Ok)
        {
            return KernelErrno.Return(err == Errno.ESRCH ? Errno.EAGAIN : err);
        }
        var regs = v.Cpu.State.Clone();
        regs.Rax = 0;
        var files = new List<GuestFile?>(p.Files.Count);
        foreach (var f in p.Files)
        {
            files.Add(f?.AddReference());
        }
        var child = NewProcess(p, p.Name, childMm!, regs, files);
        s_log.Debug("{0} forked {1}", p, child);
        return child.Pid;
    }

    /// <summary>wait4(2). <paramref name="pid"/>: a child's PID, or -1/0/below -1 for any child (every
    /// process is in one process group). Reaps one zombie, returning its PID and storing its status;
    /// 0 with WNOHANG when none has exited; -ECHILD when there is no such child; <see cref="Blocked"/>
    /// when the caller must sleep until a child exits.</summary>
    private long Wait4(GuestProcess p, ulong pid, ulong statusPtr, ulong options, ulong rusage)
    {
        if ((options & ~LinuxAbi.WaitOptionsValid) != 0)
        {
            return KernelErrno.Return(Errno.EINVAL);
        }
        int target = (int)pid;
        GuestProcess? zombie = null;
        bool any = false;
        foreach (var c in p.Children)
        {
            if (target > 0 && c.Pid != target)
            {
                continue;
            }
            any = true;
            if (c.State == GuestProcessState.Zombie)
            {
                zombie = c;
                break;
            }
        }
        if (!any)
        {
            return KernelErrno.Return(Errno.ECHILD);
        }
        if (zombie is null)
        {
            return (options & LinuxAbi.WNohang) != 0 ? 0 : Blocked;
        }
        if (statusPtr != 0 && p.Mm.WriteUser(statusPtr, BitConverter.GetBytes(zombie.WaitStatus), out _) != Errno.Ok)
        {
            return KernelErrno.Return(Errno.EFAULT);
        }
        if (rusage != 0 && p.Mm.WriteUser(rusage, new byte[LinuxAbi.RusageSize], out _) != Errno.Ok)
        {
            return KernelErrno.Return(Errno.EFAULT);
        }
        zombie.State = GuestProcessState.Reaped;
        p.Children.Remove(zombie);
        return zombie.Pid;
    }

    /// <summary>Ends <paramref name="p"/> with a crash report (logged as a guest error).</summary>
    private void Kill(GuestProcess p, int signal, string report)
    {
        report = $"{p}: {report}";
        Log.GuestError.Info(report);
        ExitProcess(p, signal & 0x7f, report);
    }

    /// <summary>
    /// do_exit: off its vCPU, every descriptor closed (the last close of an SVA file unbinds it), the
    /// mm torn down (its SVA bonds see the mm exit), children orphaned, and a zombie for the parent
    /// — whom it wakes if it sleeps in wait4. A process without a parent is reaped at once.
    /// </summary>
    private void ExitProcess(GuestProcess p, int waitStatus, string? report)
    {
        if (p.HasExited)
        {
            return;
        }
        foreach (var v in _vcpus)
        {
            if (v.Current == p)
            {
                p.Mm.DetachCpu(v.Mmu);
                v.Current = null;
            }
        }
        if (p.State == GuestProcessState.Runnable)
        {
            RemoveFromRunQueue(p);
        }
        for (int fd = 0; fd < p.Files.Count; fd++)
        {
            var f = p.Files[fd];
            p.Files[fd] = null;
            f?.Close();
        }
        p.Mm.Exit();
        p.WaitStatus = waitStatus;
        p.Report = report;
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
        if (parent is null)
        {
            p.State = GuestProcessState.Reaped;
            return;
        }
        p.State = GuestProcessState.Zombie;
        if (parent.State == GuestProcessState.Waiting)
        {
            parent.State = GuestProcessState.Runnable;
            _runQueue.Enqueue(parent);
        }
    }

    private void RemoveFromRunQueue(GuestProcess p)
    {
        int n = _runQueue.Count;
        for (int i = 0; i < n; i++)
        {
            var q = _runQueue.Dequeue();
            if (q != p)
            {
                _runQueue.Enqueue(q);
            }
        }
    }
}

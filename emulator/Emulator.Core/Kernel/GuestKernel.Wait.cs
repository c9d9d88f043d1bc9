using Emulator.Core.Kernel.Signals;
using Emulator.Core.Kernel.Sys;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
    private const ulong WNohang = 1, WUntraced = 2, WExited = 4, WContinued = 8, WNowait = 0x0100_0000,
        WNothread = 0x2000_0000, WAll = 0x4000_0000, WClone = 0x8000_0000;

    /// <summary>
    /// wait4(2). <paramref name="pid"/>: a child's PID; -1 any child; 0 any child in the caller's
    /// process group; below -1 any child in group -pid. Reaps one zombie, returning its PID and storing
    /// its status and (zeroed but for the CPU time) rusage; 0 with WNOHANG when none has exited;
    /// -ECHILD when there is no such child; otherwise the caller sleeps until a child exits.
    /// </summary>
    private long Wait4(Vcpu v, GuestThread t, ulong pid, ulong statusPtr, ulong options, ulong rusage)
    {
        if ((options & ~(WNohang | WUntraced | WContinued | WNothread | WAll | WClone)) != 0)
        {
            return Return(Errno.EINVAL);
        }
        var p = t.Process;
        var found = FindWaitable(p, (long)(int)pid, options, exited: true, out bool any);
        if (!any)
        {
            return Return(Errno.ECHILD);
        }
        if (found is null)
        {
            return (options & WNohang) != 0 ? 0 : BlockForChild(v, p);
        }
        if (found.State != GuestProcessState.Zombie)
        {
            // A stop (WUNTRACED) or a continue (WCONTINUED): reported once, the child stays.
            uint jobStatus = found.StopReport != 0 ? (uint)(found.StopReport << 8 | 0x7f) : 0xffff;
            if (statusPtr != 0 && PutU32(p.Mm, statusPtr, jobStatus) != Errno.Ok)
            {
                return Return(Errno.EFAULT);
            }
            ConsumeJobReport(found);
            return found.Pid;
        }
        if (statusPtr != 0 && PutU32(p.Mm, statusPtr, (uint)found.WaitStatus) != Errno.Ok)
        {
            return Return(Errno.EFAULT);
        }
        if (rusage != 0 && WriteRusage(p.Mm, rusage, found.Instructions + found.ChildInstructions) != Errno.Ok)
        {
            return Return(Errno.EFAULT);
        }
        Reap(p, found);
        return found.Pid;
    }

    /// <summary>
    /// waitid(2): idtype P_ALL (0), P_PID (1), P_PGID (2); options include WEXITED, WSTOPPED
    /// (= WUNTRACED) and/or WCONTINUED; WNOWAIT leaves the zombie or the report. Fills the siginfo
    /// (SIGCHLD, CLD_EXITED, CLD_KILLED, CLD_STOPPED or CLD_CONTINUED, pid, uid, status) and, when
    /// given, the rusage.
    /// </summary>
    private long Waitid(Vcpu v, GuestThread t, ulong idtype, ulong id, ulong infop, ulong options, ulong rusage)
    {
        if ((options & ~(WNohang | WUntraced | WExited | WContinued | WNowait | WNothread | WAll | WClone)) != 0
            || (options & (WExited | WUntraced | WContinued)) == 0)
        {
            return Return(Errno.EINVAL);
        }
        long selector = idtype switch
        {
            0 => -1,
            1 => (long)(int)id > 0 ? (int)id : long.MinValue,
            2 => (int)id == 0 ? 0 : -(long)(int)id,
            _ => long.MinValue,
        };
        if (selector == long.MinValue)
        {
            return Return(Errno.EINVAL);
        }
        var p = t.Process;
        bool any = p.Children.Count > 0;
        var found = FindWaitable(p, selector, options, (options & WExited) != 0, out any);
        if (!any)
        {
            return Return(Errno.ECHILD);
        }
        if (found is null)
        {
            if ((options & WNohang) != 0)
            {
                // Linux zeroes si_signo and si_pid so the caller can tell "nothing yet".
                return infop == 0 || CopyToUser(p.Mm, infop, new byte[SigInfo.Size]) == Errno.Ok ? 0 : Return(Errno.EFAULT);
            }
            return BlockForChild(v, p);
        }
        bool job = found.State != GuestProcessState.Zombie;
        if (infop != 0)
        {
            int code = job ? (found.StopReport != 0 ? SignalAbi.CldStopped : SignalAbi.CldContinued)
                : (found.WaitStatus & 0x7f) == 0 ? SignalAbi.CldExited : SignalAbi.CldKilled;
            int status = job ? (found.StopReport != 0 ? found.StopReport : SignalAbi.SigCont)
                : code == SignalAbi.CldExited ? (found.WaitStatus >> 8) & 0xff : found.WaitStatus & 0x7f;
            Span<byte> b = stackalloc byte[SigInfo.Size];
            new SigInfo(SignalAbi.SigChld, code, found.Pid, _options.Image.Uid, Status: status).WriteTo(b);
            if (CopyToUser(p.Mm, infop, b) != Errno.Ok)
            {
                return Return(Errno.EFAULT);
            }
        }
        if (rusage != 0 && WriteRusage(p.Mm, rusage, found.Instructions + found.ChildInstructions) != Errno.Ok)
        {
            return Return(Errno.EFAULT);
        }
        if ((options & WNowait) == 0)
        {
            if (job)
            {
                ConsumeJobReport(found);
            }
            else
            {
                Reap(p, found);
            }
        }
        return 0;
    }

    /// <summary>A child matching <paramref name="selector"/> (wait4's pid convention) with something
    /// to report: a zombie when <paramref name="exited"/> (wait4 always, waitid with WEXITED), an unreported stop (WUNTRACED, which
    /// is waitid's WSTOPPED) or continue (WCONTINUED); or null. <paramref name="any"/> says whether any
    /// child matches at all.</summary>
    private static GuestProcess? FindWaitable(GuestProcess p, long selector, ulong options, bool exited, out bool any)
    {
        any = false;
        foreach (var c in p.Children)
        {
            bool match = selector switch
            {
                > 0 => c.Pid == selector,
                -1 => true,
                0 => c.Pgid == p.Pgid,
                _ => c.Pgid == -selector,
            };
            // __WCLONE selects children whose exit signal is not SIGCHLD; __WALL selects both.
            bool cloneChild = c.ExitSignal != SignalAbi.SigChld;
            if (!match || ((options & WAll) == 0 && cloneChild != ((options & WClone) != 0)))
            {
                continue;
            }
            any = true;
            if (c.State == GuestProcessState.Zombie && exited)
            {
                return c;
            }
            if (c.State != GuestProcessState.Zombie && !c.HasExited
                && (((options & WUntraced) != 0 && c.StopReport != 0) || ((options & WContinued) != 0 && c.ContinueReport)))
            {
                return c;
            }
        }
        return null;
    }

    private static void ConsumeJobReport(GuestProcess child)
    {
        if (child.StopReport != 0)
        {
            child.StopReport = 0;
        }
        else
        {
            child.ContinueReport = false;
        }
    }

    private long BlockForChild(Vcpu v, GuestProcess p)
    {
        p.ChildWait.Add(v.Current!);
        return Block(v, p.ChildWait, long.MaxValue, WakeMode.Restart, RestartKind.RestartIfSaRestart);
    }

    private static void Reap(GuestProcess parent, GuestProcess zombie)
    {
        zombie.State = GuestProcessState.Reaped;
        parent.Children.Remove(zombie);
        parent.ChildInstructions += zombie.Instructions + zombie.ChildInstructions;
    }

    /// <summary>A <c>struct rusage</c> (144 bytes) with ru_utime from <paramref name="instructions"/>.</summary>
    private Errno WriteRusage(Mm.AddressSpace mm, ulong va, long instructions)
    {
        Span<byte> b = stackalloc byte[LinuxAbi.RusageSize];
        b.Clear();
        long ns = instructions * _options.NanosecondsPerInstruction;
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(b, ns / 1_000_000_000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(b[8..], ns % 1_000_000_000 / 1000);
        return CopyToUser(mm, va, b);
    }
}

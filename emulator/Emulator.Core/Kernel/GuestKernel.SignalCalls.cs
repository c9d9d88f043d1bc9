using Emulator.Core.Kernel.Sys;
using System.Buffers.Binary;
using Emulator.Core.Kernel.Signals;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
    /// <summary>What a thread in sigsuspend, pause or rt_sigtimedwait sleeps on.</summary>
    private static readonly SignalWaitChannel s_signalWait = new();

    private sealed class SignalWaitChannel : IWaitChannel
    {
        public void Remove(GuestThread thread)
        {
        }
    }

    private static bool ValidSignal(ulong sig) => sig is >= 1 and <= SignalAbi.MaxSignal;

    /// <summary>rt_sigaction(2): reads and/or sets a disposition (<c>struct kernel_sigaction</c>).
    /// SIGKILL and SIGSTOP cannot be changed (-EINVAL); the sigset size must be 8. Setting SIG_IGN (or a
    /// default that ignores) discards the signal where it is pending.</summary>
    private long RtSigaction(GuestProcess p, ulong sig, ulong act, ulong oldact, ulong sigsetSize)
    {
        if (sigsetSize != SignalAbi.SigsetSize || !ValidSignal(sig))
        {
            return Return(Errno.EINVAL);
        }
        int s = (int)sig;
        Span<byte> b = stackalloc byte[SignalAction.Size];
        SignalAction next = default;
        if (act != 0)
        {
            if (s is SignalAbi.SigKill or SignalAbi.SigStop)
            {
                return Return(Errno.EINVAL);
            }
            if (CopyFromUser(p.Mm, act, b) != Errno.Ok)
            {
                return Return(Errno.EFAULT);
            }
            next = new SignalAction(BinaryPrimitives.ReadUInt64LittleEndian(b), BinaryPrimitives.ReadUInt64LittleEndian(b[8..]),
                BinaryPrimitives.ReadUInt64LittleEndian(b[16..]), BinaryPrimitives.ReadUInt64LittleEndian(b[24..]) & ~SignalAbi.Unblockable);
        }
        if (oldact != 0)
        {
            var old = p.Actions[s];
            BinaryPrimitives.WriteUInt64LittleEndian(b, old.Handler);
            BinaryPrimitives.WriteUInt64LittleEndian(b[8..], old.Flags);
            BinaryPrimitives.WriteUInt64LittleEndian(b[16..], old.Restorer);
            BinaryPrimitives.WriteUInt64LittleEndian(b[24..], old.Mask);
            if (CopyToUser(p.Mm, oldact, b) != Errno.Ok)
            {
                return Return(Errno.EFAULT);
            }
        }
        if (act != 0)
        {
            p.Actions[s] = next;
            if (IsIgnored(p, s))
            {
                ulong bit = SignalAbi.Bit(s);
                p.SharedPending.Discard(bit);
                foreach (var t in p.Threads)
                {
                    t.Pending.Discard(bit);
                }
            }
        }
        return 0;
    }

    /// <summary>rt_sigprocmask(2): SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK; SIGKILL and SIGSTOP stay unblocked.</summary>
    private long RtSigprocmask(GuestThread t, ulong how, ulong set, ulong oldset, ulong sigsetSize)
    {
        if (sigsetSize != SignalAbi.SigsetSize)
        {
            return Return(Errno.EINVAL);
        }
        var mm = t.Process.Mm;
        ulong old = t.SignalMask;
        if (set != 0)
        {
            if (how > SignalAbi.SigSetMask)
            {
                return Return(Errno.EINVAL);
            }
            if (GetU64(mm, set, out ulong value) != Errno.Ok)
            {
                return Return(Errno.EFAULT);
            }
            ulong mask = (int)how switch
            {
                SignalAbi.SigBlock => old | value,
                SignalAbi.SigUnblock => old & ~value,
                _ => value,
            };
            t.SignalMask = mask & ~SignalAbi.Unblockable;
        }
        if (oldset != 0 && PutU64(mm, oldset, old) != Errno.Ok)
        {
            return Return(Errno.EFAULT);
        }
        return 0;
    }

    /// <summary>rt_sigpending(2): the signals pending for the thread or its process that it blocks.</summary>
    private long RtSigpending(GuestThread t, ulong set, ulong sigsetSize)
    {
        if (sigsetSize > SignalAbi.SigsetSize)
        {
            return Return(Errno.EINVAL);
        }
        ulong pending = (t.Pending.Mask | t.Process.SharedPending.Mask) & t.SignalMask;
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, pending);
        return CopyToUser(t.Process.Mm, set, b[..(int)sigsetSize]) == Errno.Ok ? 0 : Return(Errno.EFAULT);
    }

    /// <summary>rt_sigsuspend(2): the mask becomes <paramref name="set"/> until a signal handler runs;
    /// always returns -EINTR, and the handler's frame restores the old mask.</summary>
    private long RtSigsuspend(Vcpu v, GuestThread t, ulong set, ulong sigsetSize)
    {
        if (sigsetSize != SignalAbi.SigsetSize)
        {
            return Return(Errno.EINVAL);
        }
        if (GetU64(t.Process.Mm, set, out ulong mask) != Errno.Ok)
        {
            return Return(Errno.EFAULT);
        }
        t.SavedSignalMask ??= t.SignalMask;
        t.SignalMask = mask & ~SignalAbi.Unblockable;
        if (HasDeliverableSignal(t))
        {
            t.Interrupted = InterruptState.RestartIfNoHandler;
            return Return(Errno.EINTR);
        }
        return Block(v, s_signalWait, long.MaxValue, WakeMode.Restart, RestartKind.Interrupt);
    }

    /// <summary>pause(2): sleeps until a signal handler runs (-EINTR) or a signal kills the process.</summary>
    private long Pause(Vcpu v) => Block(v, s_signalWait, long.MaxValue, WakeMode.Restart, RestartKind.Interrupt);

    /// <summary>rt_sigtimedwait(2): takes a pending signal of <paramref name="set"/> without running its
    /// handler, returning its number and siginfo; sleeps until one arrives or the timeout passes (-EAGAIN).</summary>
    private long RtSigtimedwait(Vcpu v, GuestThread t, ulong set, ulong infoPtr, ulong timeoutPtr, ulong sigsetSize)
    {
        if (sigsetSize != SignalAbi.SigsetSize)
        {
            return Return(Errno.EINVAL);
        }
        var mm = t.Process.Mm;
        if (GetU64(mm, set, out ulong wanted) != Errno.Ok)
        {
            return Return(Errno.EFAULT);
        }
        wanted &= ~SignalAbi.Unblockable;
        ulong ready = (t.Pending.Mask | t.Process.SharedPending.Mask) & wanted;
        if (ready != 0)
        {
            int sig = System.Numerics.BitOperations.TrailingZeroCount(ready) + 1;
            if (!t.Pending.Take(sig, out var info))
            {
                t.Process.SharedPending.Take(sig, out info);
            }
            t.WaitedSignals = 0;
            if (infoPtr != 0)
            {
                Span<byte> b = stackalloc byte[SigInfo.Size];
                info.WriteTo(b);
                if (CopyToUser(mm, infoPtr, b) != Errno.Ok)
                {
                    return Return(Errno.EFAULT);
                }
            }
            return sig;
        }
        long deadline = long.MaxValue;
        if (timeoutPtr != 0)
        {
            long err = CallDeadlineOf(t, timeoutPtr, absolute: false, realtime: false, out deadline);
            if (err != 0)
            {
                return err;
            }
            if (deadline <= Now)
            {
                t.WaitedSignals = 0;
                return Return(Errno.EAGAIN);
            }
        }
        t.WaitedSignals = wanted;
        return Block(v, s_signalWait, deadline, WakeMode.Restart, RestartKind.Interrupt);
    }

    /// <summary>rt_sigqueueinfo(2) / rt_tgsigqueueinfo(2): a signal with caller-supplied siginfo; a
    /// positive si_code (kernel-generated) may not be forged (-EPERM), as Linux checks.</summary>
    private long RtSigqueueinfo(GuestThread t, ulong pid, ulong sig, ulong infoPtr, ulong tid)
    {
        if (!ValidSignal(sig))
        {
            return Return(Errno.EINVAL);
        }
        Span<byte> b = stackalloc byte[SigInfo.Size];
        if (CopyFromUser(t.Process.Mm, infoPtr, b) != Errno.Ok)
        {
            return Return(Errno.EFAULT);
        }
        int code = BinaryPrimitives.ReadInt32LittleEndian(b[8..]);
        if (code >= 0 || code == SignalAbi.SiTkill)
        {
            return Return(Errno.EPERM);
        }
        var info = new SigInfo((int)sig, code, BinaryPrimitives.ReadInt32LittleEndian(b[16..]), BinaryPrimitives.ReadUInt32LittleEndian(b[20..]));
        if (tid != 0)
        {
            var target = _threads.GetValueOrDefault((int)tid);
            if (target is null || target.Process.Pid != (int)pid)
            {
                return Return(Errno.ESRCH);
            }
            SendThreadSignal(target, info);
            return 0;
        }
        var p = ProcessOf((int)pid);
        if (p is null || p.HasExited)
        {
            return Return(Errno.ESRCH);
        }
        SendProcessSignal(p, info);
        return 0;
    }

    /// <summary>sigaltstack(2): reads and/or sets the alternate signal stack (<c>stack_t</c>: sp, flags,
    /// size). -EPERM while running on it, -ENOMEM below MINSIGSTKSZ, -EINVAL for unknown flags.</summary>
    private long Sigaltstack(Vcpu v, GuestThread t, ulong ss, ulong oldSs)
    {
        var mm = t.Process.Mm;
        ulong sp = v.Cpu.State.Rsp;
        Span<byte> b = stackalloc byte[24];
        if (oldSs != 0)
        {
            b.Clear();
            BinaryPrimitives.WriteUInt64LittleEndian(b, t.AltStackSp);
            BinaryPrimitives.WriteInt32LittleEndian(b[8..], AltStackFlagsAt(t, sp) | (t.AltStackFlags & unchecked((int)SignalAbi.SsAutoDisarm)));
            BinaryPrimitives.WriteUInt64LittleEndian(b[16..], t.AltStackSize);
            if (CopyToUser(mm, oldSs, b) != Errno.Ok)
            {
                return Return(Errno.EFAULT);
            }
        }
        if (ss == 0)
        {
            return 0;
        }
        if (CopyFromUser(mm, ss, b) != Errno.Ok)
        {
            return Return(Errno.EFAULT);
        }
        if (OnAltStack(t, sp))
        {
            return Return(Errno.EPERM);
        }
        return SetAltStack(t, BinaryPrimitives.ReadUInt64LittleEndian(b), BinaryPrimitives.ReadInt32LittleEndian(b[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(b[16..]));
    }

    private static long SetAltStack(GuestThread t, ulong sp, int flags, ulong size)
    {
        int mode = flags & ~unchecked((int)SignalAbi.SsAutoDisarm);
        if (mode != 0 && mode != SignalAbi.SsDisable && mode != SignalAbi.SsOnStack)
        {
            return Return(Errno.EINVAL);
        }
        if (mode == SignalAbi.SsDisable)
        {
            t.AltStackSp = 0;
            t.AltStackSize = 0;
            t.AltStackFlags = SignalAbi.SsDisable;
            return 0;
        }
        if (size < SignalAbi.MinSigStkSz)
        {
            return Return(Errno.ENOMEM);
        }
        t.AltStackSp = sp;
        t.AltStackSize = size;
        t.AltStackFlags = flags & unchecked((int)SignalAbi.SsAutoDisarm);
        return 0;
    }

    /// <summary>kill(2): pid &gt; 0 a process; 0 the caller's process group; -1 every process but the
    /// caller; &lt; -1 the group -pid. Signal 0 only checks that the target exists.</summary>
    private long Kill(GuestThread t, long pid, ulong sig)
    {
        if (sig > SignalAbi.MaxSignal)
        {
            return Return(Errno.EINVAL);
        }
        var p = t.Process;
        var info = SigInfo.FromUser((int)sig, SignalAbi.SiUser, p.Pid, _options.Image.Uid);
        int pidValue = (int)pid;
        if (pidValue > 0)
        {
            var target = ProcessOf(pidValue);
            if (target is null || target.HasExited)
            {
                return Return(Errno.ESRCH);
            }
            if (sig != 0)
            {
                SendProcessSignal(target, info);
            }
            return 0;
        }
        int group = pidValue == 0 ? p.Pgid : -pidValue;
        bool any = false;
        foreach (var target in _processes.ToArray())
        {
            if (target.HasExited || (pidValue == -1 ? target == p : target.Pgid != group))
            {
                continue;
            }
            any = true;
            if (sig != 0)
            {
                SendProcessSignal(target, info);
            }
        }
        return any ? 0 : Return(Errno.ESRCH);
    }

    /// <summary>tgkill(2) (and tkill with <paramref name="tgid"/> = -1): a signal to one thread.</summary>
    private long Tgkill(GuestThread t, long tgid, long tid, ulong sig)
    {
        if (sig > SignalAbi.MaxSignal || tid <= 0 || (tgid != -1 && tgid <= 0))
        {
            return Return(Errno.EINVAL);
        }
        var target = _threads.GetValueOrDefault((int)tid);
        if (target is null || target.State == GuestThreadState.Exited || (tgid != -1 && target.Process.Pid != (int)tgid))
        {
            return Return(Errno.ESRCH);
        }
        if (sig != 0)
        {
            SendThreadSignal(target, SigInfo.FromUser((int)sig, SignalAbi.SiTkill, t.Process.Pid, _options.Image.Uid));
        }
        return 0;
    }
}

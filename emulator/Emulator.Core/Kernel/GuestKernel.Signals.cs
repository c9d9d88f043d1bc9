using Emulator.Core.Kernel.Sys;
using Emulator.Core.Cpu;
using Emulator.Core.Diagnostics;
using Emulator.Core.Kernel.Signals;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
    /// <summary>Signals a fault raises synchronously; delivered before any other pending signal
    /// (kernel/signal.c SYNCHRONOUS_MASK).</summary>
    private static readonly ulong s_synchronous = SignalAbi.Bit(SignalAbi.SigSegv) | SignalAbi.Bit(SignalAbi.SigBus) |
        SignalAbi.Bit(SignalAbi.SigIll) | SignalAbi.Bit(SignalAbi.SigTrap) | SignalAbi.Bit(SignalAbi.SigFpe) | SignalAbi.Bit(SignalAbi.SigSys);

    /// <summary>True when <paramref name="signal"/> would be discarded on arrival: SIG_IGN, or SIG_DFL
    /// whose default is to ignore (sig_ignored). Stop signals count as ignored: job control is not modelled.</summary>
    private static bool IsIgnored(GuestProcess p, int signal)
    {
        var a = p.Actions[signal];
        if (a.IsIgnore)
        {
            return true;
        }
        return a.IsDefault && SignalAbi.Default(signal) is DefaultAction.Ignore or DefaultAction.Stop;
    }

    /// <summary>Sends a process-directed signal (kill, SIGCHLD, SIGALRM): SIGKILL ends the group at once;
    /// an ignored signal is discarded; otherwise it is queued for the process and one thread that does
    /// not block it is woken from a sleep to take it.</summary>
    private void SendProcessSignal(GuestProcess p, in SigInfo info)
    {
        if (p.HasExited || p.GroupExiting)
        {
            return;
        }
        int sig = info.Signal;
        if (sig == SignalAbi.SigKill)
        {
            KillProcess(p, sig, $"killed by SIGKILL (sent by pid {info.Pid})");
            return;
        }
        if (StoppedOrContinued(p, sig, blocked: false))
        {
            return;
        }
        if (IsIgnored(p, sig))
        {
            return;
        }
        if (!p.SharedPending.Add(info))
        {
            return;
        }
        ulong bit = SignalAbi.Bit(sig);
        GuestThread? target = null;
        foreach (var t in p.Threads)
        {
            if ((t.SignalMask & bit) == 0)
            {
                // Prefer a sleeping thread: a running one takes it at its next step anyway.
                if (t.State == GuestThreadState.Blocked)
                {
                    target = t;
                    break;
                }
                target ??= t;
            }
        }
        if (target is { State: GuestThreadState.Blocked })
        {
            Interrupt(target);
        }
        WakeSignalWaiters(p, bit);
    }

    /// <summary>Sends a thread-directed signal (tgkill, a fault): queued for the thread, which is woken
    /// from a sleep if it does not block the signal.</summary>
    private void SendThreadSignal(GuestThread t, in SigInfo info)
    {
        var p = t.Process;
        if (p.HasExited || p.GroupExiting || t.State == GuestThreadState.Exited)
        {
            return;
        }
        int sig = info.Signal;
        if (sig == SignalAbi.SigKill)
        {
            KillProcess(p, sig, $"killed by SIGKILL (sent by pid {info.Pid})");
            return;
        }
        // Job control acts on the whole process, whichever thread it was sent to (raise(SIGSTOP) is a tgkill).
        if (StoppedOrContinued(p, sig, blocked: (t.SignalMask & SignalAbi.Bit(sig)) != 0))
        {
            return;
        }
        if (IsIgnored(p, sig) || !t.Pending.Add(info))
        {
            return;
        }
        if ((t.SignalMask & SignalAbi.Bit(sig)) == 0 && t.State == GuestThreadState.Blocked)
        {
            Interrupt(t);
        }
        WakeSignalWaiters(p, SignalAbi.Bit(sig));
    }

    /// <summary>
    /// A CPU exception or a refused page fault: the signal is forced on the thread (force_sig_info):
    /// if the thread blocks it or the process ignores it, the disposition becomes SIG_DFL and it is
    /// unblocked, so a fault can never be silently skipped.
    /// </summary>
    private void ForceSignal(GuestThread t, in SigInfo info, in CpuExit exit)
    {
        int sig = info.Signal;
        ulong bit = SignalAbi.Bit(sig);
        ref var action = ref t.Process.Actions[sig];
        if ((t.SignalMask & bit) != 0 || action.IsIgnore)
        {
            action = default;
            t.SignalMask &= ~bit;
        }
        t.FaultExit = exit;
        t.HasFaultExit = true;
        t.Pending.Add(info);
    }

    /// <summary>A CPU exception exit: the Linux signal with si_code and si_addr as the trap handlers set them.</summary>
    private void CpuExceptionSignal(Vcpu v, GuestThread t, in CpuExit exit)
    {
        var s = v.Cpu.State;
        SigInfo info = exit.Kind switch
        {
            CpuExitKind.InvalidOpcode => SigInfo.Fault(SignalAbi.SigIll, SignalAbi.IllIllOpc, exit.Rip),
            CpuExitKind.DivideError => SigInfo.Fault(SignalAbi.SigFpe, SignalAbi.FpeIntDiv, exit.Rip),
            CpuExitKind.SimdFloatingPoint => SigInfo.Fault(SignalAbi.SigFpe, SimdFpeCode(s.Mxcsr), exit.Rip),
            CpuExitKind.X87FloatingPoint => SigInfo.Fault(SignalAbi.SigFpe, X87FpeCode(s.Fpu.StatusWord, s.Fpu.ControlWord), exit.Rip),
            CpuExitKind.Breakpoint => new SigInfo(SignalAbi.SigTrap, SignalAbi.SiKernel),
            // #GP: SIGSEGV with SI_KERNEL and no address (a non-canonical address, a privileged instruction).
            _ => new SigInfo(SignalAbi.SigSegv, SignalAbi.SiKernel),
        };
        if (exit.Kind == CpuExitKind.GeneralProtection && exit.Instruction.Mnemonic is Iced.Intel.Mnemonic.Hlt or Iced.Intel.Mnemonic.Cli or Iced.Intel.Mnemonic.Sti
            or Iced.Intel.Mnemonic.In or Iced.Intel.Mnemonic.Out)
        {
            info = new SigInfo(SignalAbi.SigSegv, SignalAbi.SiKernel);
        }
        ForceSignal(t, info, exit);
    }

    /// <summary>si_code for #XM from the MXCSR flags not masked (arch/x86/kernel/traps.c fpu__exception_code).</summary>
    private static int SimdFpeCode(uint mxcsr)
    {
        uint unmasked = mxcsr & ~(mxcsr >> 7) & 0x3f;
        return FpeCode(unmasked);
    }

    private static int X87FpeCode(ushort status, ushort control) => FpeCode((uint)(status & ~control) & 0x3f);

    private static int FpeCode(uint e) =>
        (e & 1) != 0 ? SignalAbi.FpeFltInv :
        (e & 4) != 0 ? SignalAbi.FpeFltDiv :
        (e & 8) != 0 ? SignalAbi.FpeFltOvf :
        (e & 0x10) != 0 ? SignalAbi.FpeFltUnd :
        (e & 0x20) != 0 ? SignalAbi.FpeFltRes :
        (e & 2) != 0 ? SignalAbi.FpeFltInv : 0;

    private static bool HasDeliverableSignal(GuestThread t) =>
        ((t.Pending.Mask | t.Process.SharedPending.Mask) & ~t.SignalMask) != 0 || t.Interrupted != InterruptState.None;

    /// <summary>
    /// Delivers the pending signals <paramref name="t"/> does not block, on its way back to user mode
    /// (arch/x86/kernel/signal.c arch_do_signal_or_restart): ignored ones are dropped, a default
    /// action that terminates ends the whole process, and each handler gets an rt_sigframe. Also
    /// settles a system call a signal interrupted: restarted when no handler ran, or when the handler
    /// has SA_RESTART and the call allows it; otherwise it returns -EINTR.
    /// </summary>
    /// <returns>false when the thread is gone (its process was killed).</returns>
    private bool DeliverSignals(Vcpu v, GuestThread t)
    {
        var p = t.Process;
        bool handled = false;
        while (true)
        {
            ulong deliverable = (t.Pending.Mask | p.SharedPending.Mask) & ~t.SignalMask;
            if (deliverable == 0)
            {
                break;
            }
            ulong sync = deliverable & s_synchronous;
            int sig = System.Numerics.BitOperations.TrailingZeroCount(sync != 0 ? sync : deliverable) + 1;
            if (!t.Pending.Take(sig, out var info))
            {
                p.SharedPending.Take(sig, out info);
            }
            var action = p.Actions[sig];
            if (action.IsIgnore)
            {
                continue;
            }
            if (action.IsDefault)
            {
                var d = SignalAbi.Default(sig);
                if (d is DefaultAction.Ignore or DefaultAction.Stop)
                {
                    continue;
                }
                KillProcess(p, sig, DeathReport(t, sig, in info));
                return false;
            }
            if (!handled)
            {
                SettleInterruptedCall(v.Cpu.State, t, handlerRuns: true, action.Flags);
            }
            handled = true;
            if (!SetupFrame(v, t, sig, in info, in action))
            {
                // The frame could not be written: Linux forces SIGSEGV with the default action.
                KillProcess(p, SignalAbi.SigSegv, $"killed by SIGSEGV: the {SignalAbi.Name(sig)} handler's signal frame could not be written below rsp={v.Cpu.State.Rsp:x}");
                return false;
            }
            _signalsDelivered++;
            if ((action.Flags & SignalAbi.SaResetHand) != 0)
            {
                p.Actions[sig] = default;
            }
        }
        if (!handled)
        {
            SettleInterruptedCall(v.Cpu.State, t, handlerRuns: false, 0);
            if (t.SavedSignalMask is ulong saved)
            {
                // restore_saved_sigmask: no handler ran to restore it through its frame.
                t.SignalMask = saved;
                t.SavedSignalMask = null;
            }
        }
        return true;
    }

    /// <summary>The interrupted call returns -EINTR (already in RAX) or is set up to run again.</summary>
    private static void SettleInterruptedCall(CpuState s, GuestThread t, bool handlerRuns, ulong handlerFlags)
    {
        var state = t.Interrupted;
        if (state == InterruptState.None)
        {
            return;
        }
        t.Interrupted = InterruptState.None;
        t.KeepCallSlots = false;
        bool restart = !handlerRuns || (state == InterruptState.RestartIfSaRestart && (handlerFlags & SignalAbi.SaRestart) != 0);
        if (restart && s.Rip == t.SyscallNextRip)
        {
            s.Rip = t.SyscallRip;
            s.Rax = t.SyscallNumber;
            if (!handlerRuns && t.SavedSignalMask is ulong saved)
            {
                // sigsuspend/ppoll run again and swap the mask again.
                t.SignalMask = saved;
                t.SavedSignalMask = null;
            }
        }
        else
        {
            EndCallSlots(t);
        }
    }

    /// <summary>The crash report of a thread killed by <paramref name="sig"/>'s default action.</summary>
    private static string DeathReport(GuestThread t, int sig, in SigInfo info)
    {
        string name = SignalAbi.Name(sig);
        if (t.HasFaultExit && info.IsFault)
        {
            t.HasFaultExit = false;
            string code = sig == SignalAbi.SigSegv && info.Code == SignalAbi.SegvMapErr ? " (SEGV_MAPERR)"
                : sig == SignalAbi.SigSegv && info.Code == SignalAbi.SegvAccErr ? " (SEGV_ACCERR)" : "";
            return $"killed by {name}{code}: {t.FaultExit}";
        }
        if (t.HasFaultExit && sig is SignalAbi.SigSegv or SignalAbi.SigTrap)
        {
            t.HasFaultExit = false;
            return $"killed by {name}: {t.FaultExit}";
        }
        return info.Code is SignalAbi.SiUser or SignalAbi.SiTkill
            ? $"killed by {name} (sent by pid {info.Pid})"
            : $"killed by {name}";
    }

    /// <summary>Threads of <paramref name="p"/> in sigsuspend/rt_sigtimedwait/pause wake for any deliverable signal.</summary>
    private void WakeSignalWaiters(GuestProcess p, ulong bit)
    {
        foreach (var t in p.Threads)
        {
            if (t.State == GuestThreadState.Blocked && t.BlockedOn == s_signalWait)
            {
                if ((t.SignalMask & bit) == 0 || (t.WaitedSignals & bit) != 0)
                {
                    Wake(t, null);
                }
            }
        }
    }
}

using Emulator.Core.Kernel.Sys;
using System.Buffers.Binary;
using Emulator.Core.Cpu;
using Emulator.Core.Kernel.Signals;
using Emulator.Core.Paging;
using L = Emulator.Core.Kernel.Signals.SignalFrameLayout;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
    /// <summary>RFLAGS bits sigreturn takes from the frame (arch/x86/kernel/signal.c FIX_EFLAGS).</summary>
    private const ulong FixEflags = (ulong)(RFlags.AC | RFlags.OF | RFlags.DF | RFlags.TF | RFlags.SF | RFlags.ZF | RFlags.AF | RFlags.PF | RFlags.CF) | 0x1_0000;

    /// <summary>
    /// Builds the rt_sigframe for <paramref name="sig"/> on the thread's stack (or its alternate stack
    /// under SA_ONSTACK) and points the registers at the handler: RDI = signal, RSI = &amp;info,
    /// RDX = &amp;uc, RSP = the frame (its first word the sa_restorer return address), RAX = 0, DF/TF
    /// clear, and a fresh FP state. The handler's sa_mask (and the signal, unless SA_NODEFER) is added
    /// to the thread's mask; the old mask is in the frame for sigreturn.
    /// </summary>
    /// <returns>false when the frame cannot be written (the caller kills with SIGSEGV) or the action
    /// lacks SA_RESTORER (x86-64 requires it).</returns>
    private bool SetupFrame(Vcpu v, GuestThread t, int sig, in SigInfo info, in SignalAction action)
    {
        var s = v.Cpu.State;
        var mm = t.Process.Mm;
        if ((action.Flags & SignalAbi.SaRestorer) == 0)
        {
            return false;
        }
        ulong sp = s.Rsp - L.RedZone;
        bool onAlt = OnAltStack(t, s.Rsp);
        if ((action.Flags & SignalAbi.SaOnStack) != 0 && t.AltStackFlags != SignalAbi.SsDisable && !onAlt)
        {
            sp = t.AltStackSp + t.AltStackSize;
        }
        bool xsave = _options.CpuLevel >= CpuLevel.V3;
        ulong xcr0 = CpuFeatures.Xcr0(_options.CpuLevel);
        int xsize = xsave ? (int)CpuFeatures.XsaveSize(xcr0) : 512;
        int fpSize = xsave ? xsize + 4 : 512;
        ulong fpstate = (sp - (ulong)fpSize) & ~63UL;
        ulong frame = ((fpstate - L.Size) & ~15UL) - 8;

        var fp = new byte[fpSize];
        if (xsave)
        {
            s.SaveXsave(fp, xcr0);
            BinaryPrimitives.WriteUInt32LittleEndian(fp.AsSpan(L.SwBytes), L.FpXstateMagic1);
            BinaryPrimitives.WriteUInt32LittleEndian(fp.AsSpan(L.SwBytes + 4), (uint)fpSize);
            BinaryPrimitives.WriteUInt64LittleEndian(fp.AsSpan(L.SwBytes + 8), xcr0);
            BinaryPrimitives.WriteUInt32LittleEndian(fp.AsSpan(L.SwBytes + 16), (uint)xsize);
            BinaryPrimitives.WriteUInt32LittleEndian(fp.AsSpan(xsize), L.FpXstateMagic2);
        }
        else
        {
            s.SaveFxsave(fp);
        }

        Span<byte> f = stackalloc byte[L.Size];
        f.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(f[L.Pretcode..], action.Restorer);
        BinaryPrimitives.WriteUInt64LittleEndian(f[L.UcFlags..], (xsave ? L.UcFpXstate : 0) | L.UcSigcontextSs | L.UcStrictRestoreSs);
        BinaryPrimitives.WriteUInt64LittleEndian(f[L.UcStackSp..], t.AltStackSp);
        BinaryPrimitives.WriteInt32LittleEndian(f[L.UcStackFlags..], AltStackFlagsAt(t, s.Rsp));
        BinaryPrimitives.WriteUInt64LittleEndian(f[L.UcStackSize..], t.AltStackSize);
        var mc = f[L.Mcontext..];
        Put(mc, L.R8, s.R8); Put(mc, L.R9, s.R9); Put(mc, L.R10, s.R10); Put(mc, L.R11, s.R11);
        Put(mc, L.R12, s.R12); Put(mc, L.R13, s.R13); Put(mc, L.R14, s.R14); Put(mc, L.R15, s.R15);
        Put(mc, L.Rdi, s.Rdi); Put(mc, L.Rsi, s.Rsi); Put(mc, L.Rbp, s.Rbp); Put(mc, L.Rbx, s.Rbx);
        Put(mc, L.Rdx, s.Rdx); Put(mc, L.Rax, s.Rax); Put(mc, L.Rcx, s.Rcx); Put(mc, L.Rsp, s.Rsp);
        Put(mc, L.Rip, s.Rip); Put(mc, L.Eflags, (ulong)s.Rflags);
        BinaryPrimitives.WriteUInt16LittleEndian(mc[L.Cs..], L.UserCs);
        BinaryPrimitives.WriteUInt16LittleEndian(mc[L.Ss..], L.UserSs);
        ulong oldMask = t.SavedSignalMask ?? t.SignalMask;
        if (t.HasFaultExit && info.IsFault)
        {
            var e = t.FaultExit;
            Put(mc, L.Trapno, TrapNumber(e.Kind));
            Put(mc, L.Err, e.Kind == CpuExitKind.PageFault ? (ulong)e.ErrorCode | (ulong)PageFaultErrorCode.User : 0);
            Put(mc, L.Cr2, e.Kind == CpuExitKind.PageFault ? e.FaultAddress : 0);
            t.HasFaultExit = false;
        }
        Put(mc, L.Oldmask, oldMask);
        Put(mc, L.Fpstate, fpstate);
        BinaryPrimitives.WriteUInt64LittleEndian(f[L.UcSigmask..], oldMask);
        info.WriteTo(f[L.Info..]);

        if (CopyToUser(mm, fpstate, fp) != Errno.Ok || CopyToUser(mm, frame, f) != Errno.Ok)
        {
            return false;
        }
        s.Rdi = (ulong)sig;
        s.Rsi = frame + L.Info;
        s.Rdx = frame + L.UcFlags;
        s.Rax = 0;
        s.Rsp = frame;
        s.Rip = action.Handler;
        s.Rflags &= ~(RFlags.DF | RFlags.TF | (RFlags)0x1_0000);
        s.ResetExtendedState();
        if ((action.Flags & SignalAbi.SaOnStack) != 0 && (t.AltStackFlags & unchecked((int)SignalAbi.SsAutoDisarm)) != 0)
        {
            t.AltStackSp = 0;
            t.AltStackSize = 0;
            t.AltStackFlags = SignalAbi.SsDisable;
        }
        ulong blocked = action.Mask;
        if ((action.Flags & SignalAbi.SaNoDefer) == 0)
        {
            blocked |= SignalAbi.Bit(sig);
        }
        t.SignalMask = (oldMask | blocked) & ~SignalAbi.Unblockable;
        t.SavedSignalMask = null;
        return true;
    }

    private static void Put(Span<byte> mc, int at, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(mc[at..], value);

    private static ulong Get(ReadOnlySpan<byte> mc, int at) => BinaryPrimitives.ReadUInt64LittleEndian(mc[at..]);

    private static ulong TrapNumber(CpuExitKind kind) => kind switch
    {
        CpuExitKind.DivideError => 0,
        CpuExitKind.Breakpoint => 3,
        CpuExitKind.InvalidOpcode => 6,
        CpuExitKind.GeneralProtection => 13,
        CpuExitKind.PageFault => 14,
        CpuExitKind.X87FloatingPoint => 16,
        CpuExitKind.SimdFloatingPoint => 19,
        _ => 0,
    };

    private static bool OnAltStack(GuestThread t, ulong sp) =>
        t.AltStackFlags != SignalAbi.SsDisable && sp - t.AltStackSp <= t.AltStackSize && sp > t.AltStackSp;

    /// <summary>sas_ss_flags: SS_ONSTACK while running on it, SS_DISABLE when there is none, else 0.</summary>
    private static int AltStackFlagsAt(GuestThread t, ulong sp) =>
        t.AltStackFlags == SignalAbi.SsDisable ? SignalAbi.SsDisable : OnAltStack(t, sp) ? SignalAbi.SsOnStack : 0;

    /// <summary>
    /// rt_sigreturn(2): restores what <see cref="SetupFrame"/> saved — every register (RFLAGS only in
    /// the user-changeable bits), the FP state (XSAVE or FXSAVE image, as its magic says; none means
    /// the initial state), the signal mask (never SIGKILL/SIGSTOP) and the alternate stack — from the
    /// frame at RSP − 8. A frame that cannot be read or holds a bad FP image kills with SIGSEGV.
    /// </summary>
    private long RtSigreturn(Vcpu v, GuestThread t)
    {
        var s = v.Cpu.State;
        var mm = t.Process.Mm;
        ulong frame = s.Rsp - 8;
        Span<byte> f = stackalloc byte[L.Size];
        if (CopyFromUser(mm, frame, f) != Errno.Ok)
        {
            return BadSigreturn(t, frame);
        }
        var mc = f[L.Mcontext..];
        ulong fpstate = Get(mc, L.Fpstate);
        var restored = s.Clone();
        if (fpstate == 0)
        {
            restored.ResetExtendedState();
        }
        else if (!RestoreFpState(mm, fpstate, restored))
        {
            return BadSigreturn(t, frame);
        }
        restored.R8 = Get(mc, L.R8); restored.R9 = Get(mc, L.R9); restored.R10 = Get(mc, L.R10); restored.R11 = Get(mc, L.R11);
        restored.R12 = Get(mc, L.R12); restored.R13 = Get(mc, L.R13); restored.R14 = Get(mc, L.R14); restored.R15 = Get(mc, L.R15);
        restored.Rdi = Get(mc, L.Rdi); restored.Rsi = Get(mc, L.Rsi); restored.Rbp = Get(mc, L.Rbp); restored.Rbx = Get(mc, L.Rbx);
        restored.Rdx = Get(mc, L.Rdx); restored.Rax = Get(mc, L.Rax); restored.Rcx = Get(mc, L.Rcx); restored.Rsp = Get(mc, L.Rsp);
        restored.Rip = Get(mc, L.Rip);
        restored.Rflags = (RFlags)(((ulong)s.Rflags & ~FixEflags) | (Get(mc, L.Eflags) & FixEflags)) | RFlags.Reserved1;
        restored.CopyTo(s);
        t.SignalMask = BinaryPrimitives.ReadUInt64LittleEndian(f[L.UcSigmask..]) & ~SignalAbi.Unblockable;
        t.SavedSignalMask = null;
        // restore_altstack: as sigaltstack(&uc->uc_stack), whose errors (EPERM while on it) are ignored here.
        ulong ssSp = BinaryPrimitives.ReadUInt64LittleEndian(f[L.UcStackSp..]);
        int ssFlags = BinaryPrimitives.ReadInt32LittleEndian(f[L.UcStackFlags..]);
        ulong ssSize = BinaryPrimitives.ReadUInt64LittleEndian(f[L.UcStackSize..]);
        if (!OnAltStack(t, s.Rsp))
        {
            SetAltStack(t, ssSp, ssFlags & ~SignalAbi.SsOnStack, ssSize);
        }
        return Replaced;
    }

    private long BadSigreturn(GuestThread t, ulong frame)
    {
        KillProcess(t.Process, SignalAbi.SigSegv, $"killed by SIGSEGV: rt_sigreturn found no valid signal frame at {frame:x}");
        return Blocked;
    }

    /// <summary>Loads the FP state at <paramref name="fpstate"/> into <paramref name="state"/>: XSAVE
    /// format when the software bytes and the trailing magic say so (and the CPU has XSAVE), else FXSAVE.</summary>
    private bool RestoreFpState(Mm.AddressSpace mm, ulong fpstate, CpuState state)
    {
        var legacy = new byte[512];
        if (CopyFromUser(mm, fpstate, legacy) != Errno.Ok)
        {
            return false;
        }
        bool xsave = _options.CpuLevel >= CpuLevel.V3;
        uint magic1 = BinaryPrimitives.ReadUInt32LittleEndian(legacy.AsSpan(L.SwBytes));
        uint xsize = BinaryPrimitives.ReadUInt32LittleEndian(legacy.AsSpan(L.SwBytes + 16));
        ulong xfeatures = BinaryPrimitives.ReadUInt64LittleEndian(legacy.AsSpan(L.SwBytes + 8));
        ulong xcr0 = CpuFeatures.Xcr0(_options.CpuLevel);
        if (xsave && magic1 == L.FpXstateMagic1 && xsize >= 576 && xsize <= CpuFeatures.XsaveSize(xcr0))
        {
            var full = new byte[xsize + 4];
            if (CopyFromUser(mm, fpstate, full) != Errno.Ok)
            {
                return false;
            }
            if (BinaryPrimitives.ReadUInt32LittleEndian(full.AsSpan((int)xsize)) == L.FpXstateMagic2)
            {
                var area = new byte[CpuFeatures.XsaveSize(xcr0)];
                full.AsSpan(0, (int)xsize).CopyTo(area);
                ulong rfbm = xcr0;
                // Components the frame does not carry return to their initial state.
                ulong bv = BinaryPrimitives.ReadUInt64LittleEndian(area.AsSpan(512)) & xfeatures;
                BinaryPrimitives.WriteUInt64LittleEndian(area.AsSpan(512), bv);
                return state.RestoreXsave(area, rfbm);
            }
        }
        return state.RestoreFxsave(legacy);
    }
}

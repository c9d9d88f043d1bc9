using Iced.Intel;

namespace Emulator.Core.Cpu;

/// <summary>
/// The x87 FPU unit (SDM Vol. 1 ch. 8, Vol. 2 FADD..FYL2XP1) and the state-management instructions
/// FXSAVE/FXRSTOR, XSAVE/XRSTOR/XSAVEOPT and XGETBV. Arithmetic is the exact soft-float in
/// <c>Cpu/X87/</c>; this layer is the register stack, tags, FSW/FCW, memory operands and exceptions.
/// </summary>
/// <remarks>
/// <para>Exceptions (SDM Vol. 1 §8.6–§8.7): a masked exception sets its FSW flag and the instruction
/// delivers the default result. An unmasked one sets the flag and ES/B, leaves the destination as the
/// SDM says (unchanged for #IA, #D, #Z and for stores), and is reported as #MF
/// (<see cref="CpuExitKind.X87FloatingPoint"/>) at the next waiting x87 instruction, with RIP at that
/// instruction. The no-wait control instructions (FNINIT, FNCLEX, FNSTCW, FNSTSW, FNSTENV, FNSAVE)
/// and FXSAVE/FXRSTOR/XSAVE/XRSTOR do not check; their wait forms (FINIT, FSTSW, ...) do.</para>
/// <para>Memory operands are read, or translated for writing, before any x87 state changes, so a
/// page fault restarts the instruction.</para>
/// </remarks>
public sealed partial class Cpu
{
    /// <summary>Every mnemonic this unit executes.</summary>
    internal static readonly Mnemonic[] X87Mnemonics =
    [
        Mnemonic.Fld, Mnemonic.Fst, Mnemonic.Fstp, Mnemonic.Fstpnce, Mnemonic.Fild, Mnemonic.Fist, Mnemonic.Fistp,
        Mnemonic.Fisttp, Mnemonic.Fbld, Mnemonic.Fbstp, Mnemonic.Fld1, Mnemonic.Fldz, Mnemonic.Fldpi, Mnemonic.Fldl2e,
        Mnemonic.Fldl2t, Mnemonic.Fldlg2, Mnemonic.Fldln2, Mnemonic.Fxch, Mnemonic.Fcmovb, Mnemonic.Fcmove,
        Mnemonic.Fcmovbe, Mnemonic.Fcmovu, Mnemonic.Fcmovnb, Mnemonic.Fcmovne, Mnemonic.Fcmovnbe, Mnemonic.Fcmovnu,
        Mnemonic.Fadd, Mnemonic.Faddp, Mnemonic.Fiadd, Mnemonic.Fsub, Mnemonic.Fsubr, Mnemonic.Fsubp, Mnemonic.Fsubrp,
        Mnemonic.Fisub, Mnemonic.Fisubr, Mnemonic.Fmul, Mnemonic.Fmulp, Mnemonic.Fimul, Mnemonic.Fdiv, Mnemonic.Fdivr,
        Mnemonic.Fdivp, Mnemonic.Fdivrp, Mnemonic.Fidiv, Mnemonic.Fidivr, Mnemonic.Fchs, Mnemonic.Fabs, Mnemonic.Fsqrt,
        Mnemonic.Fprem, Mnemonic.Fprem1, Mnemonic.Frndint, Mnemonic.Fscale, Mnemonic.Fxtract,
        Mnemonic.Fcom, Mnemonic.Fcomp, Mnemonic.Fcompp, Mnemonic.Ficom, Mnemonic.Ficomp, Mnemonic.Fucom,
        Mnemonic.Fucomp, Mnemonic.Fucompp, Mnemonic.Fcomi, Mnemonic.Fcomip, Mnemonic.Fucomi, Mnemonic.Fucomip,
        Mnemonic.Ftst, Mnemonic.Fxam,
        Mnemonic.F2xm1, Mnemonic.Fyl2x, Mnemonic.Fyl2xp1, Mnemonic.Fptan, Mnemonic.Fpatan, Mnemonic.Fsin,
        Mnemonic.Fcos, Mnemonic.Fsincos,
        Mnemonic.Fnstcw, Mnemonic.Fstcw, Mnemonic.Fldcw, Mnemonic.Fnstsw, Mnemonic.Fstsw, Mnemonic.Fnclex,
        Mnemonic.Fclex, Mnemonic.Fninit, Mnemonic.Finit, Mnemonic.Fnstenv, Mnemonic.Fstenv, Mnemonic.Fldenv,
        Mnemonic.Fnsave, Mnemonic.Fsave, Mnemonic.Frstor, Mnemonic.Wait, Mnemonic.Ffree, Mnemonic.Ffreep,
        Mnemonic.Fdecstp, Mnemonic.Fincstp, Mnemonic.Fnop, Mnemonic.Fneni, Mnemonic.Feni, Mnemonic.Fndisi,
        Mnemonic.Fdisi, Mnemonic.Fnsetpm, Mnemonic.Fsetpm,
        Mnemonic.Fxsave, Mnemonic.Fxsave64, Mnemonic.Fxrstor, Mnemonic.Fxrstor64, Mnemonic.Xsave, Mnemonic.Xsave64,
        Mnemonic.Xrstor, Mnemonic.Xrstor64, Mnemonic.Xsaveopt, Mnemonic.Xsaveopt64, Mnemonic.Xgetbv,
    ];

    /// <summary>Executes <paramref name="i"/> when it belongs to this unit.</summary>
    /// <returns>false when the instruction is not this unit's (<paramref name="ok"/> is then meaningless);
    /// true when it was handled, with <paramref name="ok"/> the handler's result (false: it exited).</returns>
    private bool TryExecX87(in Instruction i, out bool ok)
    {
        Mnemonic m = i.Mnemonic;
        switch (m)
        {
            // The state instructions and the no-wait control instructions do not check for a pending #MF.
            case Mnemonic.Fxsave: case Mnemonic.Fxsave64: case Mnemonic.Fxrstor: case Mnemonic.Fxrstor64:
            case Mnemonic.Xsave: case Mnemonic.Xsave64: case Mnemonic.Xrstor: case Mnemonic.Xrstor64:
            case Mnemonic.Xsaveopt: case Mnemonic.Xsaveopt64: case Mnemonic.Xgetbv:
                ok = ExecX87StateInstruction(i);
                return true;
            case Mnemonic.Fnstcw: case Mnemonic.Fnstsw: case Mnemonic.Fnclex: case Mnemonic.Fninit:
            case Mnemonic.Fnstenv: case Mnemonic.Fnsave: case Mnemonic.Fneni: case Mnemonic.Fndisi: case Mnemonic.Fnsetpm:
                ok = ExecX87Control(i, m);
                return true;
            case Mnemonic.Fstcw: case Mnemonic.Fstsw: case Mnemonic.Fclex: case Mnemonic.Finit: case Mnemonic.Fstenv:
            case Mnemonic.Fsave: case Mnemonic.Feni: case Mnemonic.Fdisi: case Mnemonic.Fsetpm:
            case Mnemonic.Fldcw: case Mnemonic.Fldenv: case Mnemonic.Frstor: case Mnemonic.Wait: case Mnemonic.Fnop:
                ok = X87NoPendingException() && ExecX87Control(i, m);
                return true;
        }
        if ((uint)m >= (uint)s_x87Waiting.Length || !s_x87Waiting[(int)m])
        {
            ok = false;
            return false;
        }
        if (!X87NoPendingException())
        {
            ok = false;
            return true;
        }
        ok = m switch
        {
            Mnemonic.Fld or Mnemonic.Fild or Mnemonic.Fbld => ExecFld(i),
            Mnemonic.Fld1 or Mnemonic.Fldz or Mnemonic.Fldpi or Mnemonic.Fldl2e or Mnemonic.Fldl2t or Mnemonic.Fldlg2
                or Mnemonic.Fldln2 => ExecFldConstant(i, m),
            Mnemonic.Fst or Mnemonic.Fstp or Mnemonic.Fstpnce => ExecFst(i, m != Mnemonic.Fst),
            Mnemonic.Fist or Mnemonic.Fistp or Mnemonic.Fisttp or Mnemonic.Fbstp => ExecFist(i, m),
            Mnemonic.Fxch => ExecFxch(i),
            Mnemonic.Fcmovb or Mnemonic.Fcmove or Mnemonic.Fcmovbe or Mnemonic.Fcmovu or Mnemonic.Fcmovnb
                or Mnemonic.Fcmovne or Mnemonic.Fcmovnbe or Mnemonic.Fcmovnu => ExecFcmov(i, m),
            Mnemonic.Ffree or Mnemonic.Ffreep or Mnemonic.Fdecstp or Mnemonic.Fincstp => ExecX87StackControl(i, m),
            Mnemonic.Fadd or Mnemonic.Faddp or Mnemonic.Fiadd or Mnemonic.Fsub or Mnemonic.Fsubp or Mnemonic.Fisub
                or Mnemonic.Fsubr or Mnemonic.Fsubrp or Mnemonic.Fisubr or Mnemonic.Fmul or Mnemonic.Fmulp
                or Mnemonic.Fimul or Mnemonic.Fdiv or Mnemonic.Fdivp or Mnemonic.Fidiv or Mnemonic.Fdivr
                or Mnemonic.Fdivrp or Mnemonic.Fidivr => ExecX87Arith(i, m),
            Mnemonic.Fchs or Mnemonic.Fabs or Mnemonic.Fsqrt or Mnemonic.Frndint => ExecX87Unary(i, m),
            Mnemonic.Fprem or Mnemonic.Fprem1 or Mnemonic.Fscale => ExecX87Binary(i, m),
            Mnemonic.Fxtract => ExecFxtract(i),
            Mnemonic.Fcom or Mnemonic.Fcomp or Mnemonic.Fcompp or Mnemonic.Ficom or Mnemonic.Ficomp or Mnemonic.Fucom
                or Mnemonic.Fucomp or Mnemonic.Fucompp or Mnemonic.Ftst => ExecFcom(i, m),
            Mnemonic.Fcomi or Mnemonic.Fcomip or Mnemonic.Fucomi or Mnemonic.Fucomip => ExecFcomi(i, m),
            Mnemonic.Fxam => ExecFxam(i),
            _ => ExecX87Transcendental(i, m),
        };
        return true;
    }

    /// <summary>Per mnemonic: one of this unit's waiting instructions reached after the control and
    /// state instructions (every other entry of <see cref="X87Mnemonics"/>).</summary>
    private static readonly bool[] s_x87Waiting = BuildX87Waiting();

    private static bool[] BuildX87Waiting()
    {
        int max = 0;
        foreach (Mnemonic m in X87Mnemonics)
        {
            max = Math.Max(max, (int)m);
        }
        var t = new bool[max + 1];
        foreach (Mnemonic m in X87Mnemonics)
        {
            t[(int)m] = true;
        }
        return t;
    }

    /// <summary>The check every waiting x87 instruction makes first: an unmasked exception left pending
    /// by an earlier instruction (FSW.ES) is delivered now as #MF, before this one does anything.</summary>
    private bool X87NoPendingException() =>
        (_state.Fpu.StatusWord & FswEs) == 0 || Exit(CpuExitKind.X87FloatingPoint);
}

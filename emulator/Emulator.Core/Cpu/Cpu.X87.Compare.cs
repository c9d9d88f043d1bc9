using Emulator.Core.Cpu.X87;
using Iced.Intel;

namespace Emulator.Core.Cpu;

/// <summary>x87 comparisons (SDM Vol. 2A FCOM/FCOMP/FCOMPP, FICOM/FICOMP, FUCOM/FUCOMP/FUCOMPP, FTST,
/// FCOMI/FCOMIP/FUCOMI/FUCOMIP, FXAM).</summary>
public sealed partial class Cpu
{
    /// <summary>FCOM-family and FTST: C3, C2, C0 = the relation of ST(0) to the source (Table 8-6), C1 = 0.
    /// FUCOM* raise IE only for an SNaN. The condition codes are written even when IE or DE is unmasked
    /// (as the host does), but then nothing is popped; a stack underflow reports "unordered".</summary>
    private bool ExecFcom(in Instruction i, Mnemonic m)
    {
        X87Context c = X87Ctx();
        bool quiet = m is Mnemonic.Fucom or Mnemonic.Fucomp or Mnemonic.Fucompp;
        int pops = m switch
        {
            Mnemonic.Fcomp or Mnemonic.Ficomp or Mnemonic.Fucomp => 1,
            Mnemonic.Fcompp or Mnemonic.Fucompp => 2,
            _ => 0,
        };
        ulong ea = 0;
        Ext80 right;
        bool empty = StEmpty(0);
        if (m == Mnemonic.Ftst)
        {
            right = Ext80.PositiveZero;
        }
        else if (i.OpCount == 1 && i.Op0Kind == OpKind.Memory)
        {
            if (!ReadX87Operand(i, ref c, out right, out ea))
            {
                return false;
            }
        }
        else
        {
            int src = i.OpCount == 2 ? StIndex(i, 1) : 1;
            right = St(src);
            empty |= StEmpty(src);
        }
        X87Relation rel;
        if (empty)
        {
            c.Flags = 0;
            StackFault(ref c, overflow: false);
            rel = X87Relation.Unordered;
        }
        else
        {
            rel = SoftFloat80.Compare(St(0), right, quiet, ref c);
        }
        X87Record(i, ea);
        // The condition codes are written even when IE or DE is unmasked; only the pops are not done.
        X87SetConditions(X87ConditionBits(rel));
        if (!c.Suppressed)
        {
            for (int k = 0; k < pops; k++)
            {
                X87Pop();
            }
        }
        X87Commit(c.Flags);
        return true;
    }

    /// <summary>C3:C2:C1:C0 for a relation (C1 = 0).</summary>
    private static int X87ConditionBits(X87Relation rel) => (((int)rel >> 2) & 1) << 3 | (((int)rel >> 1) & 1) << 2 | ((int)rel & 1);

    /// <summary>FCOMI/FCOMIP/FUCOMI/FUCOMIP ST(0), ST(i): ZF, PF, CF = the relation (Table 3-31 of FCOMI),
    /// OF, SF, AF = 0, written even when IE or DE is unmasked (then nothing is popped); C1 unchanged
    /// except 0 on a stack underflow.</summary>
    private bool ExecFcomi(in Instruction i, Mnemonic m)
    {
        X87Context c = X87Ctx();
        bool quiet = m is Mnemonic.Fucomi or Mnemonic.Fucomip;
        int src = StIndex(i, 1);
        X87Relation rel;
        if (StEmpty(0) || StEmpty(src))
        {
            StackFault(ref c, overflow: false);
            rel = X87Relation.Unordered;
        }
        else
        {
            rel = SoftFloat80.Compare(St(0), St(src), quiet, ref c);
        }
        X87Record(i, 0);
        int r = (int)rel;
        SetFlags(StatusFlags, ((r & 1) != 0 ? CF : 0) | ((r & 2) != 0 ? PF : 0) | ((r & 4) != 0 ? ZF : 0));
        if (!c.Suppressed && m is Mnemonic.Fcomip or Mnemonic.Fucomip)
        {
            X87Pop();
        }
        X87Commit(c.Flags, setC1: (c.Flags & X87Exceptions.StackFault) != 0);
        return true;
    }

    /// <summary>FXAM: C3, C2, C0 = the class of ST(0) (empty included), C1 = its sign bit. No exception.</summary>
    private bool ExecFxam(in Instruction i)
    {
        X87Class k = StEmpty(0) ? X87Class.Empty : SoftFloat80.Examine(St(0));
        int bits = (int)k;
        X87SetConditions(((bits >> 2) & 1) << 3 | ((bits >> 1) & 1) << 2 | (St(0).Sign ? 2 : 0) | (bits & 1));
        X87Record(i, 0);
        return true;
    }
}

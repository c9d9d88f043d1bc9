using Emulator.Core.Cpu.X87;
using Iced.Intel;

namespace Emulator.Core.Cpu;

/// <summary>x87 arithmetic (SDM Vol. 2A FADD..FDIVR with their P, I and R forms, FCHS, FABS, FSQRT,
/// FRNDINT, FPREM, FPREM1, FSCALE, FXTRACT).</summary>
public sealed partial class Cpu
{
    private enum X87Op : byte { Add, Sub, Mul, Div }

    /// <summary>
    /// FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR in all forms: <c>op m32fp|m64fp|m16int|m32int</c> (ST(0) ← ST(0)
    /// op m), <c>op ST(0), ST(i)</c>, <c>op ST(i), ST(0)</c> and the popping <c>opP ST(i), ST(0)</c>: the
    /// destination is the first operand, R swaps the operands. Rounded to FCW.PC bits by FCW.RC; an
    /// unmasked #IA/#D/#Z leaves the destination and the stack unchanged.
    /// </summary>
    private bool ExecX87Arith(in Instruction i, Mnemonic m)
    {
        X87Context c = X87Ctx();
        X87Op op;
        bool reverse = false, pop = false;
        switch (m)
        {
            case Mnemonic.Fadd: case Mnemonic.Fiadd: op = X87Op.Add; break;
            case Mnemonic.Faddp: op = X87Op.Add; pop = true; break;
            case Mnemonic.Fsub: case Mnemonic.Fisub: op = X87Op.Sub; break;
            case Mnemonic.Fsubp: op = X87Op.Sub; pop = true; break;
            case Mnemonic.Fsubr: case Mnemonic.Fisubr: op = X87Op.Sub; reverse = true; break;
            case Mnemonic.Fsubrp: op = X87Op.Sub; reverse = true; pop = true; break;
            case Mnemonic.Fmul: case Mnemonic.Fimul: op = X87Op.Mul; break;
            case Mnemonic.Fmulp: op = X87Op.Mul; pop = true; break;
            case Mnemonic.Fdiv: case Mnemonic.Fidiv: op = X87Op.Div; break;
            case Mnemonic.Fdivp: op = X87Op.Div; pop = true; break;
            case Mnemonic.Fdivr: case Mnemonic.Fidivr: op = X87Op.Div; reverse = true; break;
            default: op = X87Op.Div; reverse = true; pop = true; break;
        }
        int dest = 0;
        ulong ea = 0;
        Ext80 left, right;
        bool empty;
        if (i.Op0Kind == OpKind.Memory)
        {
            if (!ReadX87Operand(i, ref c, out right, out ea))
            {
                return false;
            }
            left = St(0);
            empty = StEmpty(0);
        }
        else
        {
            dest = StIndex(i, 0);
            int src = StIndex(i, 1);
            left = St(dest);
            right = St(src);
            empty = StEmpty(dest) || StEmpty(src);
        }
        if (reverse)
        {
            (left, right) = (right, left);
        }
        Ext80 r;
        if (empty)
        {
            c.Flags = 0;
            StackFault(ref c, overflow: false);
            r = Ext80.Indefinite;
        }
        else
        {
            r = op switch
            {
                X87Op.Add => SoftFloat80.Add(left, right, ref c),
                X87Op.Sub => SoftFloat80.Sub(left, right, ref c),
                X87Op.Mul => SoftFloat80.Mul(left, right, ref c),
                _ => SoftFloat80.Div(left, right, ref c),
            };
        }
        X87WriteResult(i, dest, r, pop, ea, ref c);
        return true;
    }

    /// <summary>Writes an arithmetic result to ST(<paramref name="dest"/>) (and pops) unless an
    /// unmasked #IA/#D/#Z suppresses it; records FIP/FDP/FOP and commits the flags (C1 = rounded up).</summary>
    private void X87WriteResult(in Instruction i, int dest, Ext80 r, bool pop, ulong ea, ref X87Context c)
    {
        if (!c.Suppressed)
        {
            SetSt(dest, r);
            if (pop)
            {
                X87Pop();
            }
        }
        X87Record(i, ea);
        X87Commit(c.Flags);
    }

    /// <summary>Reads the memory source of an arithmetic or compare instruction: m32fp/m64fp widened
    /// exactly (a denormal raises DE, an SNaN stays signalling), m16int/m32int converted exactly.</summary>
    private bool ReadX87Operand(in Instruction i, ref X87Context c, out Ext80 v, out ulong ea)
    {
        ea = Ea(i);
        MemorySize size = i.MemorySize;
        int bytes = size switch { MemorySize.Float32 or MemorySize.Int32 => 4, MemorySize.Int16 => 2, _ => 8 };
        if (!Read(ea, bytes, out ulong raw))
        {
            v = default;
            return false;
        }
        v = size switch
        {
            MemorySize.Float32 => SoftFloat80.WidenSingle((uint)raw, ref c),
            MemorySize.Float64 => SoftFloat80.WidenDouble(raw, ref c),
            MemorySize.Int16 => SoftFloat80.FromInt64((short)raw),
            _ => SoftFloat80.FromInt64((int)raw),
        };
        return true;
    }

    /// <summary>FCHS and FABS (sign only: no exception, not even for an SNaN; C1 = 0), FSQRT (rounded to
    /// FCW.PC) and FRNDINT (by FCW.RC, 64-bit).</summary>
    private bool ExecX87Unary(in Instruction i, Mnemonic m)
    {
        X87Context c = X87Ctx();
        Ext80 r;
        if (StEmpty(0))
        {
            StackFault(ref c, overflow: false);
            r = Ext80.Indefinite;
        }
        else
        {
            Ext80 a = St(0);
            r = m switch
            {
                Mnemonic.Fchs => a.Negate(),
                Mnemonic.Fabs => a.Abs(),
                Mnemonic.Fsqrt => SoftFloat80.Sqrt(a, ref c),
                _ => RoundToIntegerExtended(a, ref c),
            };
        }
        X87WriteResult(i, 0, r, false, 0, ref c);
        return true;
    }

    private static Ext80 RoundToIntegerExtended(Ext80 a, ref X87Context c)
    {
        c.Precision = 64;
        return SoftFloat80.RoundToInteger(a, ref c);
    }

    /// <summary>FPREM/FPREM1 (ST(0) ← remainder of ST(0) / ST(1); C2 = 1 when only partial, else C0, C3,
    /// C1 = quotient bits 2, 1, 0) and FSCALE (ST(0) ← ST(0) × 2^trunc(ST(1)), C1 = rounded up).</summary>
    private bool ExecX87Binary(in Instruction i, Mnemonic m)
    {
        X87Context c = X87Ctx();
        c.Precision = 64;
        Ext80 r;
        int quotient = 0;
        bool incomplete = false;
        if (StEmpty(0) || StEmpty(1))
        {
            StackFault(ref c, overflow: false);
            r = Ext80.Indefinite;
        }
        else if (m == Mnemonic.Fscale)
        {
            r = SoftFloat80.Scale(St(0), St(1), ref c);
        }
        else
        {
            r = SoftFloat80.Remainder(St(0), St(1), m == Mnemonic.Fprem1, out quotient, out incomplete, ref c);
        }
        if (m == Mnemonic.Fscale || c.Suppressed)
        {
            X87WriteResult(i, 0, r, false, 0, ref c);
            return true;
        }
        SetSt(0, r);
        X87Record(i, 0);
        c.Flags &= ~X87Exceptions.RoundedUp;
        X87Commit(c.Flags);
        if (r.IsNaN)
        {
            // A NaN result (an invalid operation or a NaN operand) clears C2 and C1 and keeps C3 and
            // C0, as the host does.
            _state.Fpu.StatusWord &= unchecked((ushort)~(FswC2 | FswC1));
            return true;
        }
        // C1 carries quotient bit 0 (not "rounded up"), C3 bit 1, C0 bit 2.
        X87SetConditions(incomplete ? 0b0100 : ((quotient >> 1) & 1) << 3 | (quotient & 1) << 1 | ((quotient >> 2) & 1));
        return true;
    }

    /// <summary>FXTRACT: ST(0) ← the exponent, then push the significand (SDM Vol. 2A FXTRACT).</summary>
    private bool ExecFxtract(in Instruction i)
    {
        X87Context c = X87Ctx();
        Ext80 exponent, significand;
        if (StEmpty(0))
        {
            StackFault(ref c, overflow: false);
            exponent = significand = Ext80.Indefinite;
        }
        else if (X87PushOverflows)
        {
            StackFault(ref c, overflow: true);
            exponent = significand = Ext80.Indefinite;
        }
        else
        {
            SoftFloat80.Extract(St(0), out exponent, out significand, ref c);
        }
        if (!c.Suppressed)
        {
            SetSt(0, exponent);
            X87Push(significand);
        }
        X87Record(i, 0);
        X87Commit(c.Flags);
        return true;
    }
}

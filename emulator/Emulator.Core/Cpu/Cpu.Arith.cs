using System.Numerics;
using System.Runtime.CompilerServices;
using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    private const ulong CF = (ulong)RFlags.CF;
    private const ulong PF = (ulong)RFlags.PF;
    private const ulong AF = (ulong)RFlags.AF;
    private const ulong ZF = (ulong)RFlags.ZF;
    private const ulong SF = (ulong)RFlags.SF;
    private const ulong DF = (ulong)RFlags.DF;
    private const ulong OF = (ulong)RFlags.OF;
    private const ulong StatusFlags = (ulong)RFlags.Status;

    /// <summary>The two-operand arithmetic and logic group (opcode extensions /0../7 and TEST).</summary>
    private enum AluOp : byte { Add, Or, Adc, Sbb, And, Sub, Xor, Cmp, Test }

    /// <summary>Replaces the status flags in <paramref name="which"/> with those in <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetFlags(ulong which, ulong value) => Flags = (Flags & ~which) | (value & which);

    /// <summary>ZF, SF and PF of a result of <paramref name="size"/> bytes (already truncated).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Szp(ulong r, int size)
    {
        ulong f = (r >> (size * 8 - 8)) & SF;            // the sign bit lands on bit 7
        if (r == 0)
        {
            f |= ZF;
        }
        return f | ((~(ulong)BitOperations.PopCount(r & 0xFF) & 1) << 2);
    }

    /// <summary>Flags of a + b (+ carry) = r: carry out of and into the top bit, and out of bit 3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong AddFlags(ulong a, ulong b, ulong r, int size)
    {
        ulong sb = SignBit(size);
        ulong f = Szp(r, size) | ((a ^ b ^ r) & AF);
        if ((((a & b) | ((a | b) & ~r)) & sb) != 0)
        {
            f |= CF;
        }
        if (((a ^ r) & (b ^ r) & sb) != 0)
        {
            f |= OF;
        }
        return f;
    }

    /// <summary>Flags of a − b (− borrow) = r.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong SubFlags(ulong a, ulong b, ulong r, int size)
    {
        ulong sb = SignBit(size);
        ulong f = Szp(r, size) | ((a ^ b ^ r) & AF);
        if ((((~a & b) | ((~a | b) & r)) & sb) != 0)
        {
            f |= CF;
        }
        if (((a ^ b) & (a ^ r) & sb) != 0)
        {
            f |= OF;
        }
        return f;
    }

    /// <summary>Computes <paramref name="op"/> and sets all six status flags, lazily (SDM Vol. 2: ADD,
    /// ADC, SUB, SBB, CMP set them all; AND, OR, XOR, TEST clear CF and OF and leave AF undefined —
    /// this CPU clears AF, as Intel and AMD processors do).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Alu(AluOp op, ulong a, ulong b, int size)
    {
        ulong mask = Mask(size);
        ulong r;
        switch (op)
        {
            case AluOp.Add:
                r = (a + b) & mask;
                SetLazyFlags(FlagKind.Add, a, b, r, size);
                return r;
            case AluOp.Adc:
                r = (a + b + (Flags & CF)) & mask;
                SetLazyFlags(FlagKind.Add, a, b, r, size);
                return r;
            case AluOp.Sub:
            case AluOp.Cmp:
                r = (a - b) & mask;
                SetLazyFlags(FlagKind.Sub, a, b, r, size);
                return r;
            case AluOp.Sbb:
                r = (a - b - (Flags & CF)) & mask;
                SetLazyFlags(FlagKind.Sub, a, b, r, size);
                return r;
            case AluOp.And:
            case AluOp.Test:
                r = a & b;
                break;
            case AluOp.Or:
                r = a | b;
                break;
            default:
                r = a ^ b;
                break;
        }
        SetLazyFlags(FlagKind.Result, 0, 0, r, size);
        return r;
    }

    /// <summary>ADD, OR, ADC, SBB, AND, SUB, XOR, CMP, TEST in every form (r/m, r/m; r/m, imm; AL/AX/EAX/RAX, imm).</summary>
    private bool ExecAlu(in Instruction i, AluOp op)
    {
        int size = Op0Size(i);
        bool writes = op != AluOp.Cmp && op != AluOp.Test;
        if (i.Op0Kind == OpKind.Register)
        {
            if (!ReadSource(i, i.Op1Kind, i.Op1Register, 1, size, out ulong b))
            {
                return false;
            }
            Register d = i.Op0Register;
            ulong r = Alu(op, GetReg(d), b, size);
            if (writes)
            {
                SetReg(d, r);
            }
            return true;
        }
        if (!LoadDest(i, writes, size, out ulong a, out MemRef m))
        {
            return false;
        }
        ulong src = i.Op1Kind == OpKind.Register ? GetReg(i.Op1Register) : i.GetImmediate(1) & Mask(size);
        ulong result = Alu(op, a, src, size);
        if (writes)
        {
            Store(m, size, result);
        }
        return true;
    }

    /// <summary>NOT, NEG, INC, DEC (the order <see cref="DecodedOp.Sub"/> records).</summary>
    private enum UnaryOp : byte { Not, Neg, Inc, Dec }

    /// <summary>NOT (no flags), NEG (flags of 0 − x; CF = x ≠ 0), INC and DEC (CF unchanged).</summary>
    private bool ExecUnary(in Instruction i)
    {
        int size = Op0Size(i);
        if (!LoadDest(i, write: true, size, out ulong a, out MemRef m))
        {
            return false;
        }
        StoreDest(i, size, Unary(UnaryOpOf(i.Mnemonic), a, size), m);
        return true;
    }

    private static UnaryOp UnaryOpOf(Mnemonic m) => m switch
    {
        Mnemonic.Not => UnaryOp.Not,
        Mnemonic.Neg => UnaryOp.Neg,
        Mnemonic.Inc => UnaryOp.Inc,
        _ => UnaryOp.Dec,
    };

    /// <summary>The result of <paramref name="op"/> on <paramref name="a"/>, with its flags recorded.</summary>
    private ulong Unary(UnaryOp op, ulong a, int size)
    {
        ulong mask = Mask(size);
        ulong r;
        switch (op)
        {
            case UnaryOp.Not:
                return ~a & mask;
            case UnaryOp.Neg:
                r = (0 - a) & mask;
                SetLazyFlags(FlagKind.Sub, 0, a, r, size);
                return r;
            case UnaryOp.Inc:
                r = (a + 1) & mask;
                FixCarry();
                SetLazyFlags(FlagKind.Inc, a, 1, r, size);
                return r;
            default:
                r = (a - 1) & mask;
                FixCarry();
                SetLazyFlags(FlagKind.Dec, a, 1, r, size);
                return r;
        }
    }

    /// <summary>Evaluates a condition code on the current flags (SDM Vol. 1 Appendix B).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Condition(ConditionCode cc) => ConditionOn(cc, Flags);

    /// <summary>Evaluates a condition code on the status flags <paramref name="f"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool ConditionOn(ConditionCode cc, ulong f)
    {
        bool result = ((int)cc - 1 >> 1) switch
        {
            0 => (f & OF) != 0,                                        // o / no
            1 => (f & CF) != 0,                                        // b / ae
            2 => (f & ZF) != 0,                                        // e / ne
            3 => (f & (CF | ZF)) != 0,                                 // be / a
            4 => (f & SF) != 0,                                        // s / ns
            5 => (f & PF) != 0,                                        // p / np
            6 => (((f >> 7) ^ (f >> 11)) & 1) != 0,                    // l / ge: SF ≠ OF
            _ => (f & ZF) != 0 || (((f >> 7) ^ (f >> 11)) & 1) != 0,   // le / g
        };
        return result ^ (((int)cc - 1 & 1) != 0);
    }
}

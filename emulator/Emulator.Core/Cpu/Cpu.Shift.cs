using System.Numerics;
using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    /// <summary>
    /// SHL/SAL, SHR, SAR, ROL, ROR, RCL, RCR by 1, CL or imm8 (SDM Vol. 2B "SAL/SAR/SHL/SHR",
    /// "RCL/RCR/ROL/ROR").
    /// </summary>
    /// <remarks>
    /// The count is masked to 5 bits (6 for 64-bit operands); a masked count of 0 changes no flag (the
    /// destination is still written, so a 32-bit register is zero-extended). Defined: CF = the last bit
    /// shifted out; SF, ZF, PF from the result (shifts only); OF for a count of 1. Choices where the SDM
    /// says undefined: AF = 0 for shifts; OF for counts above 1 uses the count-1 formula on the final
    /// result (SHL/ROL/RCL: MSB ⊕ CF; SHR/ROR/RCR: the top two bits XORed; SAR: 0), which is what Intel
    /// processors do (Bochs models the same); CF for SHL/SHR of 8/16-bit operands by counts ≥ the width
    /// is what a one-bit-at-a-time shift leaves (the last bit out, 0 once every bit has gone).
    /// </remarks>
    private bool ExecShift(in Instruction i)
    {
        int size = Op0Size(i);
        int bits = size * 8;
        ulong count = i.Op1Kind == OpKind.Register ? GetReg(i.Op1Register) : i.GetImmediate(1);
        int c = (int)(count & (size == 8 ? 0x3FUL : 0x1FUL));
        if (!LoadDest(i, write: true, size, out ulong a, out MemRef m))
        {
            return false;
        }
        if (c == 0)
        {
            StoreDest(i, size, a, m);
            return true;
        }
        ShiftKind kind = ShiftKindOf(i.Mnemonic);
        if (kind <= ShiftKind.Ror)
        {
            StoreDest(i, size, Shifted(kind, a, c, size), m);
            return true;
        }
        ulong mask = Mask(size);
        ulong sb = SignBit(size);
        ulong r;
        ulong cf;
        ulong f = Flags;
        switch (kind)
        {
            case ShiftKind.Rcl:
            {
                int k = size <= 2 ? c % (bits + 1) : c;
                cf = f & CF;
                r = a;
                for (int n = 0; n < k; n++)
                {
                    ulong top = (r >> (bits - 1)) & 1;
                    r = ((r << 1) | cf) & mask;
                    cf = top;
                }
                f = (f & ~(CF | OF)) | cf | (((r & sb) != 0) ^ (cf != 0) ? OF : 0);
                break;
            }
            default: // Rcr
            {
                int k = size <= 2 ? c % (bits + 1) : c;
                cf = f & CF;
                ulong of = (((a & sb) != 0) ^ (cf != 0)) ? OF : 0;
                r = a;
                for (int n = 0; n < k; n++)
                {
                    ulong low = r & 1;
                    r = (r >> 1) | (cf << (bits - 1));
                    cf = low;
                }
                f = (f & ~(CF | OF)) | cf | of;
                break;
            }
        }
        Flags = f;
        StoreDest(i, size, r, m);
        return true;
    }

    /// <summary>The shifts and rotates whose result does not depend on CF (<see cref="Shifted"/>),
    /// then RCL and RCR.</summary>
    private enum ShiftKind : byte { Shl, Shr, Sar, Rol, Ror, Rcl, Rcr }

    private static ShiftKind ShiftKindOf(Mnemonic m) => m switch
    {
        Mnemonic.Shl or Mnemonic.Sal => ShiftKind.Shl,
        Mnemonic.Shr => ShiftKind.Shr,
        Mnemonic.Sar => ShiftKind.Sar,
        Mnemonic.Rol => ShiftKind.Rol,
        Mnemonic.Ror => ShiftKind.Ror,
        Mnemonic.Rcl => ShiftKind.Rcl,
        _ => ShiftKind.Rcr,
    };

    /// <summary>SHL, SHR, SAR, ROL or ROR of <paramref name="a"/> by a masked count
    /// <paramref name="c"/> ≠ 0, setting the flags as <see cref="ExecShift"/> describes.</summary>
    /// <returns>The result, truncated to <paramref name="size"/>.</returns>
    private ulong Shifted(ShiftKind kind, ulong a, int c, int size)
    {
        int bits = size * 8;
        ulong mask = Mask(size);
        ulong sb = SignBit(size);
        ulong r;
        ulong cf;
        switch (kind)
        {
            // The shifts set every status flag: recorded lazily (SF, ZF, PF from the result).
            case ShiftKind.Shl:
                r = c < 64 ? (a << c) & mask : 0;
                cf = c <= bits ? (a >> (bits - c)) & 1 : 0;
                SetLazyFlags(FlagKind.Result, 0, cf | (((r & sb) != 0) ^ (cf != 0) ? OF : 0), r, size);
                return r;
            case ShiftKind.Shr:
                r = c < 64 ? a >> c : 0;
                cf = (a >> (c - 1)) & 1;
                SetLazyFlags(FlagKind.Result, 0, cf | TopTwoDiffer(r, bits), r, size);
                return r;
            case ShiftKind.Sar:
            {
                long sa = (long)(a << (64 - bits)) >> (64 - bits);
                r = (ulong)(sa >> Math.Min(c, 63)) & mask;
                cf = (ulong)(sa >> (c - 1)) & 1;
                SetLazyFlags(FlagKind.Result, 0, cf, r, size);
                return r;
            }
            case ShiftKind.Rol:
            {
                int k = c % bits;
                r = k == 0 ? a : ((a << k) | (a >> (bits - k))) & mask;
                cf = r & 1;
                Flags = (Flags & ~(CF | OF)) | cf | (((r & sb) != 0) ^ (cf != 0) ? OF : 0);
                return r;
            }
            default: // Ror
            {
                int k = c % bits;
                r = k == 0 ? a : ((a >> k) | (a << (bits - k))) & mask;
                cf = (r >> (bits - 1)) & 1;
                Flags = (Flags & ~(CF | OF)) | cf | TopTwoDiffer(r, bits);
                return r;
            }
        }
    }

    private static ulong TopTwoDiffer(ulong r, int bits) => (((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1) != 0 ? OF : 0;

    /// <summary>
    /// BT, BTS, BTR, BTC (SDM Vol. 2A): CF = the selected bit; ZF unchanged; OF, SF, AF, PF undefined
    /// and left unchanged here. With a register bit offset and a memory operand, the offset is a
    /// signed bit index into a bit string that may lie outside the operand.
    /// </summary>
    private bool ExecBitTest(in Instruction i)
    {
        int size = Op0Size(i);
        int bits = size * 8;
        bool write = i.Mnemonic != Mnemonic.Bt;
        int bit;
        ulong a;
        MemRef m = default;
        if (i.Op0Kind == OpKind.Register)
        {
            ulong offset = i.Op1Kind == OpKind.Register ? GetReg(i.Op1Register) : i.GetImmediate(1);
            bit = (int)(offset & (ulong)(bits - 1));
            a = GetReg(i.Op0Register);
        }
        else
        {
            ulong ea = Ea(i);
            if (i.Op1Kind == OpKind.Register)
            {
                ulong raw = GetReg(i.Op1Register);
                long offset = (long)(raw << (64 - bits)) >> (64 - bits);
                ea += (ulong)((offset >> BitOperations.Log2((uint)bits)) * size);
                bit = (int)(offset & (bits - 1));
            }
            else
            {
                bit = (int)(i.GetImmediate(1) & (ulong)(bits - 1));
            }
            if (!TranslateMem(ea, size, write, out m))
            {
                return false;
            }
            a = Load(m, size);
        }
        ulong mask = 1UL << bit;
        SetFlags(CF, (a >> bit) & 1);
        if (!write)
        {
            return true;
        }
        ulong r = i.Mnemonic switch
        {
            Mnemonic.Bts => a | mask,
            Mnemonic.Btr => a & ~mask,
            _ => a ^ mask,
        };
        StoreDest(i, size, r, m);
        return true;
    }

    /// <summary>
    /// BSF, BSR, TZCNT, LZCNT, POPCNT (SDM Vol. 2A/2B). BSF/BSR with a zero source set ZF and leave
    /// the destination unchanged (what Intel and AMD processors do; the SDM says undefined) and leave
    /// CF, OF, SF, AF, PF unchanged (undefined). TZCNT/LZCNT: CF = source is zero, ZF = result is zero,
    /// the rest unchanged (undefined). POPCNT: ZF = source is zero, the other five cleared.
    /// </summary>
    /// <remarks>Level gating (x86-64 psABI §3.1.1; SDM Vol. 2B TZCNT/LZCNT "on processors that do not
    /// support them, F3 0F BC/BD execute as BSF/BSR"): below v3 TZCNT runs as BSF and LZCNT as BSR;
    /// below v2 POPCNT is #UD, raised before the source is read (#UD precedes #PF).</remarks>
    private bool ExecBitScan(in Instruction i)
    {
        if (i.Mnemonic == Mnemonic.Popcnt && _options.Level < CpuLevel.V2)
        {
            return Exit(CpuExitKind.InvalidOpcode);
        }
        int size = RegSize(i.Op0Register);
        if (!ReadSource(i, i.Op1Kind, i.Op1Register, 1, size, out ulong src))
        {
            return false;
        }
        int bits = size * 8;
        switch (i.Mnemonic)
        {
            case Mnemonic.Bsf:
            case Mnemonic.Bsr:
            case Mnemonic.Tzcnt when _options.Level < CpuLevel.V3:
            case Mnemonic.Lzcnt when _options.Level < CpuLevel.V3:
                if (src == 0)
                {
                    SetFlags(ZF, ZF);
                    if (size == 4)
                    {
                        SetReg(i.Op0Register, GetReg(i.Op0Register));
                    }
                    return true;
                }
                SetFlags(ZF, 0);
                SetReg(i.Op0Register, (ulong)(i.Mnemonic is Mnemonic.Bsf or Mnemonic.Tzcnt ? BitOperations.TrailingZeroCount(src) : 63 - BitOperations.LeadingZeroCount(src)));
                return true;
            case Mnemonic.Tzcnt:
            {
                ulong r = src == 0 ? (ulong)bits : (ulong)BitOperations.TrailingZeroCount(src);
                SetFlags(CF | ZF, (src == 0 ? CF : 0) | (r == 0 ? ZF : 0));
                SetReg(i.Op0Register, r);
                return true;
            }
            case Mnemonic.Lzcnt:
            {
                ulong r = (ulong)(BitOperations.LeadingZeroCount(src) - (64 - bits));
                SetFlags(CF | ZF, (src == 0 ? CF : 0) | (r == 0 ? ZF : 0));
                SetReg(i.Op0Register, r);
                return true;
            }
            default: // Popcnt
                SetFlags(StatusFlags, src == 0 ? ZF : 0);
                SetReg(i.Op0Register, (ulong)BitOperations.PopCount(src));
                return true;
        }
    }
}

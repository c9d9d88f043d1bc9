using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    /// <summary>
    /// SHLD and SHRD r/m, r, imm8|CL (SDM Vol. 2B "SHLD", "SHRD"): the destination shifted with bits
    /// coming in from the source register.
    /// </summary>
    /// <remarks>
    /// The count is masked to 5 bits (6 for 64-bit operands). A masked count of 0 changes no flag; the
    /// destination is still written, so a 32-bit register is zero-extended (what the host processor
    /// does; the table pins it). Defined: CF = the last bit shifted out of the destination; SF, ZF,
    /// PF from the result; OF for a count of 1 (the sign changed). Choices where the SDM says undefined:
    /// AF = 0 (as for the other shifts); OF for counts above 1 uses the count-1 formula on the final
    /// result (SHLD: MSB ⊕ CF; SHRD: the top two bits XORed), as Intel processors and Bochs do. A 16-bit
    /// count of 17..31 leaves result and flags undefined: this CPU shifts the 48-bit string
    /// dest:src:dest (SHLD) or src:src:dest (SHRD), which is what P6 and later Intel processors do.
    /// </remarks>
    private bool ExecDoubleShift(in Instruction i)
    {
        int size = Op0Size(i);
        int bits = size * 8;
        ulong count = i.Op2Kind == OpKind.Register ? GetReg(i.Op2Register) : i.GetImmediate(2);
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
        ulong b = GetReg(i.Op1Register);
        ulong mask = Mask(size);
        bool left = i.Mnemonic == Mnemonic.Shld;
        ulong r, cf, of;
        if (size == 2)
        {
            if (left)
            {
                ulong s = (a << 32) | (b << 16) | a;
                r = (s << c >> 32) & mask;
                cf = (s >> (48 - c)) & 1;
            }
            else
            {
                ulong s = (b << 32) | (b << 16) | a;
                r = (s >> c) & mask;
                cf = (s >> (c - 1)) & 1;
            }
        }
        else if (left)
        {
            // 1 ≤ c < bits here, so neither shift is by the full width.
            r = ((a << c) | (b >> (bits - c))) & mask;
            cf = (a >> (bits - c)) & 1;
        }
        else
        {
            r = ((a >> c) | (b << (bits - c))) & mask;
            cf = (a >> (c - 1)) & 1;
        }
        if (left)
        {
            of = (((r >> (bits - 1)) ^ cf) & 1) != 0 ? OF : 0;
        }
        else
        {
            of = TopTwoDiffer(r, bits);
        }
        Flags = (Flags & ~StatusFlags) | Szp(r, size) | cf | of;
        StoreDest(i, size, r, m);
        return true;
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    /// <summary>Index into the register file of the zero slot standing for "no register".</summary>
    internal const int ZeroSlot = 16;

    private static readonly int s_registerCount = MaxEnum<Register>() + 1;

    /// <summary>Per Iced <see cref="Register"/>: slot in the register file (<see cref="ZeroSlot"/> for
    /// None, RIP/EIP and every non-GPR), operand size in bytes (0 for a non-GPR) and bit position (8
    /// for AH, CH, DH, BH).</summary>
    private static readonly byte[] s_regSlot = new byte[s_registerCount];
    private static readonly byte[] s_regSize = new byte[s_registerCount];
    private static readonly byte[] s_regShift = new byte[s_registerCount];

    /// <summary>Per Iced <see cref="MemorySize"/>: bytes.</summary>
    private static readonly byte[] s_memSize = new byte[MaxEnum<MemorySize>() + 1];

    /// <summary>Mask of an operand of n bytes, indexed by n (1, 2, 4, 8).</summary>
    private static readonly ulong[] s_mask = [0, 0xFF, 0xFFFF, 0, 0xFFFF_FFFF, 0, 0, 0, ulong.MaxValue];

    static Cpu()
    {
        for (int r = 0; r < s_registerCount; r++)
        {
            var reg = (Register)r;
            s_regSlot[r] = ZeroSlot;
            if (reg != Register.None && reg.IsGPR())
            {
                s_regSlot[r] = (byte)(reg.GetFullRegister() - Register.RAX);
                s_regSize[r] = (byte)reg.GetSize();
                s_regShift[r] = (byte)(reg is >= Register.AH and <= Register.BH ? 8 : 0);
            }
        }
        for (int m = 0; m < s_memSize.Length; m++)
        {
            s_memSize[m] = (byte)Math.Min(((MemorySize)m).GetSize(), 255);
        }
    }

    private static int MaxEnum<T>() where T : struct, Enum
    {
        int max = 0;
        foreach (T v in Enum.GetValues<T>())
        {
            max = Math.Max(max, Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture));
        }
        return max;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mask(int size) => Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(s_mask), size);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SignBit(int size) => 1UL << (size * 8 - 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RegSize(Register r) => s_regSize[(int)r];

    /// <summary>Reads a general-purpose register at its own width, zero-extended.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong GetReg(Register r) => GetSlot(s_regSlot[(int)r], s_regShift[(int)r], s_regSize[(int)r]);

    /// <summary>Writes a general-purpose register at its own width: a 32-bit write zero-extends to 64
    /// bits, 8- and 16-bit writes keep the other bits (SDM Vol. 1 §3.4.1.1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetReg(Register r, ulong value) => SetSlot(s_regSlot[(int)r], s_regShift[(int)r], s_regSize[(int)r], value);

    /// <summary>Size in bytes of operand 0 (a register or memory).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Op0Size(in Instruction i) =>
        i.Op0Kind == OpKind.Register ? s_regSize[(int)i.Op0Register] : s_memSize[(int)i.MemorySize];

    /// <summary>The effective (linear) address of the memory operand: base + index × scale +
    /// displacement (Iced already made a RIP-relative displacement absolute), truncated to 32 bits
    /// under a 0x67 prefix, plus the FS or GS base for those segment prefixes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Ea(in Instruction i)
    {
        ref ulong regs = ref MemoryMarshal.GetArrayDataReference(_r);
        Register b = i.MemoryBase;
        Register x = i.MemoryIndex;
        ulong ea = i.MemoryDisplacement64 + Unsafe.Add(ref regs, s_regSlot[(int)b])
            + Unsafe.Add(ref regs, s_regSlot[(int)x]) * (uint)i.MemoryIndexScale;
        if (s_regSize[(int)b] == 4 || s_regSize[(int)x] == 4 || b == Register.EIP)
        {
            ea = (uint)ea;
        }
        return i.SegmentPrefix switch
        {
            Register.None => ea,
            Register.FS => ea + _state.FsBase,
            Register.GS => ea + _state.GsBase,
            _ => ea,
        };
    }

    /// <summary>Reads operand <paramref name="n"/> (1 or 2) as a source of <paramref name="size"/>
    /// bytes: a register, memory or an immediate (sign-extended as encoded, then truncated).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ReadSource(in Instruction i, OpKind kind, Register reg, int n, int size, out ulong value)
    {
        if (kind == OpKind.Register)
        {
            value = GetReg(reg);
            return true;
        }
        if (kind == OpKind.Memory)
        {
            return Read(Ea(i), size, out value);
        }
        value = i.GetImmediate(n) & Mask(size);
        return true;
    }

    /// <summary>Reads operand 0 for a read-modify-write: a register, or memory translated for writing
    /// (so the later store cannot fault) when <paramref name="write"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool LoadDest(in Instruction i, bool write, int size, out ulong value, out MemRef m)
    {
        if (i.Op0Kind == OpKind.Register)
        {
            m = default;
            value = GetReg(i.Op0Register);
            return true;
        }
        if (!TranslateMem(Ea(i), size, write, out m))
        {
            value = 0;
            return false;
        }
        value = Load(m, size);
        return true;
    }

    /// <summary>Writes operand 0 after <see cref="LoadDest"/> succeeded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void StoreDest(in Instruction i, int size, ulong value, in MemRef m)
    {
        if (i.Op0Kind == OpKind.Register)
        {
            SetReg(i.Op0Register, value);
        }
        else
        {
            Store(m, size, value);
        }
    }
}

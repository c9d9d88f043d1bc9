using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using System.Text;
using Emulator.Core.Cpu;

namespace Emulator.Tests.Cpu.VectorExtra;

/// <summary>
/// The state one probed instruction reads and writes, identical on the emulator and the host: the
/// general-purpose registers except RSP and R15, the status flags, YMM0–15, MM0–7 and a 512-byte
/// memory window. RSI and RDI point into the window: they hold offsets into it here, and each side
/// adds the window's real address before running and subtracts it after.
/// </summary>
/// <remarks>The binary image (<see cref="ToBytes"/>) is the layout of <c>struct st</c> in the host
/// probe (<see cref="HostProbe"/>): gpr[16] at 0, rflags at 128, ymm[16][32] at 144, mm[8] at 656,
/// mem[512] at 768; 1280 bytes, the window 64-byte aligned on both sides.</remarks>
public sealed class ProbeState
{
    public const int MemSize = 512;
    public const int ImageSize = 1280;
    public const int GprOffset = 0, FlagsOffset = 128, YmmOffset = 144, MmOffset = 656, MemOffset = 768;

    /// <summary>RAX..R15 in encoding order; RSP (4) and R15 (15) are not part of the state.</summary>
    public readonly ulong[] Gpr = new ulong[16];
    public readonly Vector256<byte>[] Ymm = new Vector256<byte>[16];
    public readonly ulong[] Mm = new ulong[8];
    public readonly byte[] Mem = new byte[MemSize];

    /// <summary>The six status flags (other RFLAGS bits are the user defaults on both sides).</summary>
    public ulong Flags;

    public static readonly string[] GprNames =
        ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];

    /// <summary>True for the registers the state carries (not RSP, not R15).</summary>
    public static bool IsCarried(int gpr) => gpr != 4 && gpr != 15;

    public ProbeState Clone()
    {
        var c = new ProbeState { Flags = Flags };
        Gpr.CopyTo(c.Gpr, 0);
        Ymm.CopyTo(c.Ymm, 0);
        Mm.CopyTo(c.Mm, 0);
        Mem.CopyTo(c.Mem, 0);
        return c;
    }

    public byte[] ToBytes()
    {
        var b = new byte[ImageSize];
        for (int k = 0; k < 16; k++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(GprOffset + 8 * k), Gpr[k]);
            Ymm[k].CopyTo(b.AsSpan(YmmOffset + 32 * k, 32));
        }
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(FlagsOffset), (ulong)RFlags.InitialUser | (Flags & (ulong)RFlags.Status));
        for (int k = 0; k < 8; k++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(MmOffset + 8 * k), Mm[k]);
        }
        Mem.CopyTo(b.AsSpan(MemOffset));
        return b;
    }

    public static ProbeState FromBytes(ReadOnlySpan<byte> b)
    {
        var s = new ProbeState();
        for (int k = 0; k < 16; k++)
        {
            s.Gpr[k] = BinaryPrimitives.ReadUInt64LittleEndian(b[(GprOffset + 8 * k)..]);
            s.Ymm[k] = Vector256.Create<byte>(b.Slice(YmmOffset + 32 * k, 32));
        }
        s.Flags = BinaryPrimitives.ReadUInt64LittleEndian(b[FlagsOffset..]) & (ulong)RFlags.Status;
        for (int k = 0; k < 8; k++)
        {
            s.Mm[k] = BinaryPrimitives.ReadUInt64LittleEndian(b[(MmOffset + 8 * k)..]);
        }
        b.Slice(MemOffset, MemSize).CopyTo(s.Mem);
        return s;
    }

    /// <summary>Every difference from <paramref name="other"/>, described, outside the flags not in
    /// <paramref name="flagMask"/>; empty when they agree.</summary>
    public List<string> Diff(ProbeState other, ulong flagMask, bool compareMm = true)
    {
        var d = new List<string>();
        for (int k = 0; k < 16; k++)
        {
            if (IsCarried(k) && Gpr[k] != other.Gpr[k])
            {
                d.Add($"{GprNames[k]} {Gpr[k]:x} vs {other.Gpr[k]:x}");
            }
            if (Ymm[k] != other.Ymm[k])
            {
                d.Add($"ymm{k} {Hex(Ymm[k])} vs {Hex(other.Ymm[k])}");
            }
        }
        if (((Flags ^ other.Flags) & flagMask) != 0)
        {
            d.Add($"flags {(RFlags)(Flags & flagMask)} vs {(RFlags)(other.Flags & flagMask)} (compared {(RFlags)flagMask})");
        }
        for (int k = 0; compareMm && k < 8; k++)
        {
            if (Mm[k] != other.Mm[k])
            {
                d.Add($"mm{k} {Mm[k]:x16} vs {other.Mm[k]:x16}");
            }
        }
        for (int k = 0; k < MemSize; k++)
        {
            if (Mem[k] != other.Mem[k])
            {
                d.Add($"mem+{k} {Mem[k]:x2} vs {other.Mem[k]:x2}");
            }
        }
        return d;
    }

    /// <summary>A vector as one hexadecimal number, most significant byte first, 32-bit groups split by '_'.</summary>
    public static string Hex(Vector256<byte> v)
    {
        var sb = new StringBuilder("0x");
        for (int k = 31; k >= 0; k--)
        {
            sb.Append(v.GetElement(k).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            if (k % 4 == 0 && k != 0)
            {
                sb.Append('_');
            }
        }
        return sb.ToString();
    }
}

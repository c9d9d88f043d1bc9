using System.Globalization;
using System.Text;
using Emulator.Core.Cpu;

namespace Emulator.Tests.Cpu.SimdInteger;

/// <summary>
/// The machine state a SIMD test case sets before its one instruction and compares after it: the
/// sixteen YMM registers, eight general-purpose registers, the status flags and a 128-byte memory
/// buffer that RSI and RDI point to. Its byte image (<see cref="ToBytes"/>) is the layout of the
/// host probe's <c>struct st</c> (see <see cref="SimdHost"/>).
/// </summary>
internal sealed class SimdState
{
    public const int MemSize = 128;
    public const int ImageSize = 768;
    private const int GprOffset = 512, FlagsOffset = 576, MemOffset = 640;

    /// <summary>The general-purpose registers a case may use, in image order (RSI and RDI hold the buffer address).</summary>
    public static readonly Core.Cpu.Gpr[] Gprs = [Core.Cpu.Gpr.Rax, Core.Cpu.Gpr.Rcx, Core.Cpu.Gpr.Rdx, Core.Cpu.Gpr.Rbx, Core.Cpu.Gpr.R8, Core.Cpu.Gpr.R9, Core.Cpu.Gpr.R10, Core.Cpu.Gpr.R11];

    public static readonly string[] GprNames = ["rax", "rcx", "rdx", "rbx", "r8", "r9", "r10", "r11"];

    public byte[][] Ymm { get; } = [.. Enumerable.Range(0, 16).Select(_ => new byte[32])];
    public ulong[] Gpr { get; } = new ulong[8];

    /// <summary>The six status flags (RFlags.Status bits only).</summary>
    public ulong Flags { get; set; }

    public byte[] Mem { get; } = new byte[MemSize];

    /// <summary>The default a table case starts from: YMMn is the byte 0xEn repeated (so a write that
    /// zeroes or keeps bits 255:128 shows), the GPRs and flags zero, memory byte k = k.</summary>
    public static SimdState Default()
    {
        var s = new SimdState();
        for (int n = 0; n < 16; n++)
        {
            Array.Fill(s.Ymm[n], (byte)(0xE0 | n));
        }
        for (int k = 0; k < MemSize; k++)
        {
            s.Mem[k] = (byte)k;
        }
        return s;
    }

    public SimdState Clone()
    {
        var c = new SimdState { Flags = Flags };
        for (int n = 0; n < 16; n++)
        {
            Ymm[n].CopyTo(c.Ymm[n], 0);
        }
        Gpr.CopyTo(c.Gpr, 0);
        Mem.CopyTo(c.Mem, 0);
        return c;
    }

    public byte[] ToBytes()
    {
        var b = new byte[ImageSize];
        for (int n = 0; n < 16; n++)
        {
            Ymm[n].CopyTo(b, 32 * n);
        }
        for (int k = 0; k < 8; k++)
        {
            BitConverter.TryWriteBytes(b.AsSpan(GprOffset + 8 * k), Gpr[k]);
        }
        BitConverter.TryWriteBytes(b.AsSpan(FlagsOffset), Flags | (ulong)RFlags.InitialUser);
        Mem.CopyTo(b, MemOffset);
        return b;
    }

    public static SimdState FromBytes(ReadOnlySpan<byte> b)
    {
        var s = new SimdState();
        for (int n = 0; n < 16; n++)
        {
            b.Slice(32 * n, 32).CopyTo(s.Ymm[n]);
        }
        for (int k = 0; k < 8; k++)
        {
            s.Gpr[k] = BitConverter.ToUInt64(b[(GprOffset + 8 * k)..]);
        }
        s.Flags = BitConverter.ToUInt64(b[FlagsOffset..]) & (ulong)RFlags.Status;
        b.Slice(MemOffset, MemSize).CopyTo(s.Mem);
        return s;
    }

    /// <summary>Every difference from <paramref name="expected"/>, one line each (empty when equal).</summary>
    public List<string> Diff(SimdState expected)
    {
        var d = new List<string>();
        for (int n = 0; n < 16; n++)
        {
            if (!Ymm[n].AsSpan().SequenceEqual(expected.Ymm[n]))
            {
                d.Add($"ymm{n}: expected {Hex(expected.Ymm[n])} got {Hex(Ymm[n])}");
            }
        }
        for (int k = 0; k < 8; k++)
        {
            if (Gpr[k] != expected.Gpr[k])
            {
                d.Add($"{GprNames[k]}: expected {expected.Gpr[k]:x} got {Gpr[k]:x}");
            }
        }
        if (Flags != expected.Flags)
        {
            d.Add($"flags: expected {(RFlags)expected.Flags} got {(RFlags)Flags}");
        }
        for (int k = 0; k < MemSize; k++)
        {
            if (Mem[k] != expected.Mem[k])
            {
                d.Add($"mem: expected {Convert.ToHexString(expected.Mem)} got {Convert.ToHexString(Mem)}");
                break;
            }
        }
        return d;
    }

    /// <summary>A register as a number, most significant byte first, 32-bit groups separated by '_'.</summary>
    public static string Hex(ReadOnlySpan<byte> littleEndian)
    {
        var sb = new StringBuilder("0x");
        for (int k = littleEndian.Length - 1; k >= 0; k--)
        {
            sb.Append(littleEndian[k].ToString("x2", CultureInfo.InvariantCulture));
            if (k % 4 == 0 && k != 0)
            {
                sb.Append('_');
            }
        }
        return sb.ToString();
    }

    /// <summary>Parses a number written most significant digit first (optional 0x, '_' separators)
    /// into <paramref name="littleEndian"/>, zero-extended; false when it does not fit or is not hex.</summary>
    public static bool TryParseHex(string text, Span<byte> littleEndian)
    {
        string digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        digits = digits.Replace("_", "", StringComparison.Ordinal);
        if (digits.Length == 0 || digits.Length > 2 * littleEndian.Length)
        {
            return false;
        }
        littleEndian.Clear();
        for (int k = 0; k < digits.Length; k++)
        {
            int v = Convert.ToInt32(digits[digits.Length - 1 - k].ToString(), 16);
            littleEndian[k / 2] |= (byte)(v << (4 * (k % 2)));
        }
        return true;
    }
}

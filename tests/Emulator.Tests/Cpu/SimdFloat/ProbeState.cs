using System.Buffers.Binary;
using System.Text;

namespace Emulator.Tests.Cpu.SimdFloat;

/// <summary>
/// The machine state one probed instruction sees and leaves: YMM0–15, a 64-byte memory operand
/// (RSI points at it), RAX/RCX/RDX/RBX, MM0–7, RFLAGS, MXCSR, and how the instruction ended. The
/// binary layout is <c>struct probe</c> of <c>host_probe.c</c>, so the same bytes drive the host.
/// </summary>
internal sealed class ProbeState
{
    public const int Size = 704;

    /// <summary>How the instruction ended: it completed, or #XM (SIGFPE), #GP (SIGSEGV), #UD (SIGILL).</summary>
    public enum Outcome : uint
    {
        Completed = 0,
        SimdException = 1,
        GeneralProtection = 2,
        InvalidOpcode = 3,
        Other = 99,
    }

    public byte[] Ymm { get; } = new byte[512];
    public byte[] Mem { get; } = new byte[64];
    public ulong[] Gpr { get; } = new ulong[4];
    public ulong[] Mm { get; } = new ulong[8];
    public ulong Rflags { get; set; } = 0x202;
    public uint Mxcsr { get; set; } = 0x1F80;
    public Outcome Fault { get; set; }
    public byte[] Code { get; set; } = [];

    /// <summary>What the case is, for failure messages.</summary>
    public string Label { get; set; } = "";

    public Span<byte> YmmBytes(int n) => Ymm.AsSpan(32 * n, 32);

    public ProbeState Clone()
    {
        var c = new ProbeState { Rflags = Rflags, Mxcsr = Mxcsr, Fault = Fault, Code = Code, Label = Label };
        Ymm.CopyTo(c.Ymm, 0);
        Mem.CopyTo(c.Mem, 0);
        Gpr.CopyTo(c.Gpr, 0);
        Mm.CopyTo(c.Mm, 0);
        return c;
    }

    public void WriteTo(Span<byte> b)
    {
        b[..Size].Clear();
        Ymm.CopyTo(b);
        Mem.CopyTo(b[512..]);
        for (int k = 0; k < 4; k++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(b[(576 + 8 * k)..], Gpr[k]);
        }
        for (int k = 0; k < 8; k++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(b[(608 + 8 * k)..], Mm[k]);
        }
        BinaryPrimitives.WriteUInt64LittleEndian(b[672..], Rflags);
        BinaryPrimitives.WriteUInt32LittleEndian(b[680..], Mxcsr);
        BinaryPrimitives.WriteUInt32LittleEndian(b[684..], (uint)Fault);
        Code.CopyTo(b[688..]);
        b[703] = (byte)Code.Length;
    }

    public static ProbeState ReadFrom(ReadOnlySpan<byte> b)
    {
        var s = new ProbeState();
        b[..512].CopyTo(s.Ymm);
        b[512..576].CopyTo(s.Mem);
        for (int k = 0; k < 4; k++)
        {
            s.Gpr[k] = BinaryPrimitives.ReadUInt64LittleEndian(b[(576 + 8 * k)..]);
        }
        for (int k = 0; k < 8; k++)
        {
            s.Mm[k] = BinaryPrimitives.ReadUInt64LittleEndian(b[(608 + 8 * k)..]);
        }
        s.Rflags = BinaryPrimitives.ReadUInt64LittleEndian(b[672..]);
        s.Mxcsr = BinaryPrimitives.ReadUInt32LittleEndian(b[680..]);
        s.Fault = (Outcome)BinaryPrimitives.ReadUInt32LittleEndian(b[684..]);
        s.Code = b.Slice(688, b[703]).ToArray();
        return s;
    }

    /// <summary>The differences that matter between two end states (status flags only for RFLAGS),
    /// or null when they agree.</summary>
    public static string? Diff(ProbeState expected, ProbeState actual)
    {
        var sb = new StringBuilder();
        if (expected.Fault != actual.Fault)
        {
            sb.Append($" fault {expected.Fault} vs {actual.Fault};");
        }
        if (expected.Mxcsr != actual.Mxcsr)
        {
            sb.Append($" mxcsr {expected.Mxcsr:x4} vs {actual.Mxcsr:x4};");
        }
        const ulong status = 0x8D5;
        if (((expected.Rflags ^ actual.Rflags) & status) != 0)
        {
            sb.Append($" rflags {expected.Rflags & status:x} vs {actual.Rflags & status:x};");
        }
        for (int n = 0; n < 16; n++)
        {
            if (!expected.YmmBytes(n).SequenceEqual(actual.YmmBytes(n)))
            {
                sb.Append($" ymm{n} {Hex(expected.YmmBytes(n))} vs {Hex(actual.YmmBytes(n))};");
            }
        }
        for (int k = 0; k < 4; k++)
        {
            if (expected.Gpr[k] != actual.Gpr[k])
            {
                sb.Append($" gpr{k} {expected.Gpr[k]:x16} vs {actual.Gpr[k]:x16};");
            }
        }
        for (int k = 0; k < 8; k++)
        {
            if (expected.Mm[k] != actual.Mm[k])
            {
                sb.Append($" mm{k} {expected.Mm[k]:x16} vs {actual.Mm[k]:x16};");
            }
        }
        if (!expected.Mem.AsSpan().SequenceEqual(actual.Mem))
        {
            sb.Append($" mem {Convert.ToHexString(expected.Mem)} vs {Convert.ToHexString(actual.Mem)};");
        }
        return sb.Length == 0 ? null : sb.ToString();
    }

    /// <summary>A register image as one big-endian hex number (element 0 rightmost).</summary>
    public static string Hex(ReadOnlySpan<byte> v)
    {
        var sb = new StringBuilder(v.Length * 2);
        for (int k = v.Length - 1; k >= 0; k--)
        {
            sb.Append(v[k].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    public override string ToString() =>
        $"{Label} [{Convert.ToHexString(Code)}] mxcsr={Mxcsr:x4} ymm0={Hex(YmmBytes(0))} ymm1={Hex(YmmBytes(1))} ymm2={Hex(YmmBytes(2))} " +
        $"gpr={string.Join(",", Gpr.Select(g => g.ToString("x", System.Globalization.CultureInfo.InvariantCulture)))} mem={Convert.ToHexString(Mem)}";
}

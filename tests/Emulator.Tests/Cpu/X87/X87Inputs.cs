using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Emulator.Core.Cpu.X87;

namespace Emulator.Tests.Cpu.X87;

/// <summary>The machine state one x87 probe starts from: FCW, FSW (condition codes and TOP; no
/// exception flags, so nothing is pending), ST(0)..ST(7) (null = empty), the memory operand at [rsi]
/// (up to 10 bytes, little-endian: <see cref="MemLo"/> then <see cref="MemHi"/>) and the RFLAGS status bits.</summary>
public sealed record X87Inputs(ushort Cw, ushort Sw, Ext80?[] St, ulong MemLo, ushort MemHi, ulong Rflags)
{
    /// <summary>The probe's I/O block: FRSTOR image at 0, RFLAGS in at 0x70, RAX in at 0x78, RFLAGS out
    /// at 0x80, RAX out at 0x88, FNSAVE image out at 0x90, the memory operand at 0x100.</summary>
    public const int IoSize = 0x110;
    public const int MemOffset = 0x100;
    private const int SaveOffset = 0x90;

    /// <summary>Bytes of the memory operand of <paramref name="form"/> (0 for none).</summary>
    public static int MemSize(string form) =>
        form.EndsWith(".m16", StringComparison.Ordinal) ? 2
        : form.EndsWith(".m32", StringComparison.Ordinal) ? 4
        : form.EndsWith(".m64", StringComparison.Ordinal) ? 8
        : form.EndsWith(".m80", StringComparison.Ordinal) || form is "fbld" or "fbstp" ? 10
        : 0;

    /// <summary>The I/O block the probe starts from.</summary>
    public byte[] ToIo()
    {
        var io = new byte[IoSize];
        Span<byte> b = io;
        int top = (Sw >> 11) & 7;
        int tw = 0;
        for (int k = 0; k < 8; k++)
        {
            int p = (top + k) & 7;
            tw |= (St[k] is Ext80 v ? v.Tag : 3) << (2 * p);
            (St[k] ?? default).Write(b.Slice(28 + 10 * k, 10));
        }
        BinaryPrimitives.WriteUInt32LittleEndian(b, 0xFFFF_0000u | Cw);
        BinaryPrimitives.WriteUInt32LittleEndian(b[4..], 0xFFFF_0000u | Sw);
        BinaryPrimitives.WriteUInt32LittleEndian(b[8..], 0xFFFF_0000u | (uint)tw);
        BinaryPrimitives.WriteUInt64LittleEndian(b[0x70..], 0x202 | Rflags);
        BinaryPrimitives.WriteUInt64LittleEndian(b[MemOffset..], MemLo);
        BinaryPrimitives.WriteUInt16LittleEndian(b[(MemOffset + 8)..], MemHi);
        return io;
    }

    /// <summary>The canonical text of a probe's outcome: <c>sw= tw= st0=..</c> (the non-empty registers
    /// in stack order), <c>m=</c> for a form with a memory operand, <c>fl=</c> (RFLAGS status bits) and
    /// <c>ax=</c> for FNSTSW AX. Tables store exactly this text.</summary>
    public static string Outcome(string form, ReadOnlySpan<byte> io)
    {
        var sb = new StringBuilder();
        ReadOnlySpan<byte> save = io[SaveOffset..];
        ushort sw = BinaryPrimitives.ReadUInt16LittleEndian(save[4..]);
        ushort tw = BinaryPrimitives.ReadUInt16LittleEndian(save[8..]);
        sb.Append(CultureInfo.InvariantCulture, $"sw={sw:x4} tw={tw:x4}");
        int top = (sw >> 11) & 7;
        for (int k = 0; k < 8; k++)
        {
            if (((tw >> (2 * ((top + k) & 7))) & 3) != 3)
            {
                sb.Append(CultureInfo.InvariantCulture, $" st{k}={Ext80.Read(save.Slice(28 + 10 * k, 10))}");
            }
        }
        int mem = MemSize(form);
        if (mem != 0)
        {
            sb.Append(" m=").Append(FormatMem(io[MemOffset..], mem));
        }
        sb.Append(CultureInfo.InvariantCulture, $" fl={BinaryPrimitives.ReadUInt64LittleEndian(io[0x80..]) & 0x8D5:x3}");
        if (form == "fnstsw.ax")
        {
            sb.Append(CultureInfo.InvariantCulture, $" ax={BinaryPrimitives.ReadUInt64LittleEndian(io[0x88..]) & 0xFFFF:x4}");
        }
        return sb.ToString();
    }

    /// <summary>The inputs as a line of <c>Data/x87.txt</c> (without the outcome).</summary>
    public string ToLine(string form)
    {
        var sb = new StringBuilder(form);
        sb.Append(CultureInfo.InvariantCulture, $" cw={Cw:x4}");
        if (Sw != 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $" sw={Sw:x4}");
        }
        for (int k = 0; k < 8; k++)
        {
            if (St[k] is Ext80 v)
            {
                sb.Append(CultureInfo.InvariantCulture, $" st{k}={v}");
            }
        }
        int mem = MemSize(form);
        if (mem != 0)
        {
            Span<byte> m = stackalloc byte[10];
            BinaryPrimitives.WriteUInt64LittleEndian(m, MemLo);
            BinaryPrimitives.WriteUInt16LittleEndian(m[8..], MemHi);
            sb.Append(" m=").Append(FormatMem(m, mem));
        }
        if (Rflags != 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $" fl={Rflags:x3}");
        }
        return sb.ToString();
    }

    /// <summary>A memory operand as the tables write it: an integer of its width, or SEEE:SSSS for 10 bytes.</summary>
    public static string FormatMem(ReadOnlySpan<byte> m, int size) => size switch
    {
        2 => BinaryPrimitives.ReadUInt16LittleEndian(m).ToString("x4", CultureInfo.InvariantCulture),
        4 => BinaryPrimitives.ReadUInt32LittleEndian(m).ToString("x8", CultureInfo.InvariantCulture),
        8 => BinaryPrimitives.ReadUInt64LittleEndian(m).ToString("x16", CultureInfo.InvariantCulture),
        _ => Ext80.Read(m).ToString(),
    };
}

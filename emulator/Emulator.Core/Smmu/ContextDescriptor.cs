using static Emulator.Core.Smmu.SmmuBits;

namespace Emulator.Core.Smmu;

/// <summary>
/// A 64-byte Context Descriptor: one stage 1 address space (one PASID), with its ASID, translation
/// table root and walk controls.
/// </summary>
/// <remarks>
/// <para>SMMUv3 §5.4 (CD); field positions as Linux <c>CTXDESC_CD_{0,1}_*</c>. Word 0: T0SZ 5:0, TG0 7:6,
/// IR0 9:8, OR0 11:10, SH0 13:12, EPD0 14, ENDI 15, EPD1 30, V 31, IPS 34:32, TBI0 38, AA64 41, HD 42,
/// HA 43, S 44, R 45, A 46, ASET 47, ASID 63:48. Word 1: TTB0 51:4 (the spec's field is 55:4). Word 3:
/// MAIR, which Linux copies from MAIR_EL1. Words 4–7 are kept for exact round trips.</para>
/// <para><b>Deliberate deviation.</b> With SVA the stage 1 walker of this model is the CPU's x86-64
/// page walker (<see cref="Paging.PageWalker"/>), not an Arm VMSAv8-64 walker: TTB0 holds the x86
/// root table address (CR3 with its flag bits 11:0 cleared — a PML4 or, with 5-level paging, a PML5),
/// T0SZ is 64 minus the CPU's virtual-address width (16 for 48-bit, 7 for 57-bit), and TG0 must say
/// 4 KiB. AA64, IPS and the cacheability fields are written as Linux writes them but not used by the
/// walk; EPD0 still disables TTB0 walks (a quiet CD) and V, ASID, R and A keep their meaning.</para>
/// </remarks>
public readonly struct ContextDescriptor : IEquatable<ContextDescriptor>
{
    /// <summary>Bytes per CD (<c>CTXDESC_CD_DWORDS</c> * 8).</summary>
    public const int Size = 64;

    /// <summary>CTXDESC_CD_1_TTB0_MASK, bits 51:4.</summary>
    public const ulong Ttb0Mask = 0x000F_FFFF_FFFF_FFF0UL;

    public const ulong Epd0Bit = 1UL << 14;
    public const ulong EndiBit = 1UL << 15;
    public const ulong Epd1Bit = 1UL << 30;
    public const ulong ValidBit = 1UL << 31;
    public const ulong Tbi0Bit = 1UL << 38;
    public const ulong AA64Bit = 1UL << 41;
    public const ulong HdBit = 1UL << 42;
    public const ulong HaBit = 1UL << 43;
    public const ulong StallBit = 1UL << 44;
    public const ulong RecordBit = 1UL << 45;
    public const ulong AbortBit = 1UL << 46;
    public const ulong AsetBit = 1UL << 47;

    /// <summary>IR0/OR0 Write-Back Read/Write-Allocate (Linux <c>ARM_LPAE_TCR_RGN_WBWA</c>).</summary>
    public const int RegionWbwa = 1;

    /// <summary>SH0 Inner Shareable (Linux <c>ARM_LPAE_TCR_SH_IS</c>).</summary>
    public const int ShareInner = 3;

    /// <summary>IPS encoding of a 52-bit address space (x86-64 MAXPHYADDR ≤ 52).</summary>
    public const int Ips52 = 6;

    public ContextDescriptor(ulong word0, ulong word1, ulong word2 = 0, ulong word3 = 0,
        ulong word4 = 0, ulong word5 = 0, ulong word6 = 0, ulong word7 = 0)
    {
        Word0 = word0;
        Word1 = word1;
        Word2 = word2;
        Word3 = word3;
        Word4 = word4;
        Word5 = word5;
        Word6 = word6;
        Word7 = word7;
    }

    public ulong Word0 { get; }
    public ulong Word1 { get; }
    public ulong Word2 { get; }
    public ulong Word3 { get; }
    public ulong Word4 { get; }
    public ulong Word5 { get; }
    public ulong Word6 { get; }
    public ulong Word7 { get; }

    /// <summary>V, word 0 bit 31. A transaction reaching a CD with V 0 aborts with C_BAD_CD.</summary>
    public bool Valid => (Word0 & ValidBit) != 0;

    /// <summary>T0SZ, bits 5:0: the TTB0 region covers 2^(64-T0SZ) bytes.</summary>
    public int T0Sz => (int)Get(Word0, 5, 0);

    /// <summary>TG0, bits 7:6: 0 4KB, 1 64KB, 2 16KB, 3 Reserved.</summary>
    public int Tg0 => (int)Get(Word0, 7, 6);

    /// <summary>IR0, bits 9:8.</summary>
    public int Ir0 => (int)Get(Word0, 9, 8);

    /// <summary>OR0, bits 11:10.</summary>
    public int Or0 => (int)Get(Word0, 11, 10);

    /// <summary>SH0, bits 13:12.</summary>
    public int Sh0 => (int)Get(Word0, 13, 12);

    /// <summary>EPD0, bit 14: TTB0 walks disabled — a TLB miss in the TTB0 region is a translation fault.</summary>
    public bool Epd0 => (Word0 & Epd0Bit) != 0;

    /// <summary>EPD1, bit 30: TTB1 walks disabled.</summary>
    public bool Epd1 => (Word0 & Epd1Bit) != 0;

    /// <summary>IPS, bits 34:32.</summary>
    public int Ips => (int)Get(Word0, 34, 32);

    /// <summary>AA64, bit 41: VMSAv8-64 tables.</summary>
    public bool AA64 => (Word0 & AA64Bit) != 0;

    /// <summary>S, bit 44: stall (rather than terminate) on faults.</summary>
    public bool Stall => (Word0 & StallBit) != 0;

    /// <summary>R, bit 45: record faults in the event queue.</summary>
    public bool RecordFaults => (Word0 & RecordBit) != 0;

    /// <summary>A, bit 46: a terminated transaction aborts (rather than RAZ/WI).</summary>
    public bool AbortTerminated => (Word0 & AbortBit) != 0;

    /// <summary>ASET, bit 47: the ASID does not take part in broadcast TLB maintenance.</summary>
    public bool Aset => (Word0 & AsetBit) != 0;

    /// <summary>ASID, bits 63:48: the tag of this context's IOTLB entries.</summary>
    public ushort Asid => (ushort)(Word0 >> 48);

    /// <summary>TTB0, word 1 bits 51:4. In this model, the x86-64 root table address (see remarks).</summary>
    public ulong Ttb0 => Word1 & Ttb0Mask;

    /// <summary>MAIR, word 3.</summary>
    public ulong Mair => Word3;

    /// <summary>An invalid CD (V 0).</summary>
    public static ContextDescriptor Invalid => default;

    /// <summary>
    /// The CD of an SVA bond, as Linux <c>arm_smmu_make_sva_cd</c> writes it for a live mm on an SMMU
    /// without stalls or HTTU: TTB0 walks with a 4 KiB granule, WBWA Inner Shareable table walks, TTB1
    /// disabled, faults recorded (R) and aborted (A), ASET set.
    /// </summary>
    /// <param name="asid">The ASID shared with the CPU's address space.</param>
    /// <param name="ttb0">The root table address (this model: CR3 &amp; ~0xFFF); bits 3:0 and above 51 are dropped.</param>
    /// <param name="t0Sz">64 minus the virtual-address width: 16 for 4-level, 7 for 5-level paging.</param>
    /// <param name="ips">IPS encoding; Linux derives it from the CPU's PA range.</param>
    public static ContextDescriptor Sva(ushort asid, ulong ttb0, int t0Sz, int ips = Ips52)
    {
        CheckWidth((ulong)t0Sz, 6, nameof(t0Sz));
        ulong word0 = Common(asid, ips) | RecordBit | (uint)t0Sz | Prep(7, 6, 0)
            | Prep(9, 8, RegionWbwa) | Prep(11, 10, RegionWbwa) | Prep(13, 12, ShareInner);
        return new(word0, ttb0 & Ttb0Mask);
    }

    /// <summary>
    /// The CD Linux installs when the mm has gone away but the PASID is still bound
    /// (<c>arm_smmu_make_sva_cd</c> with no mm, from <c>arm_smmu_mm_release</c>): still valid with the same
    /// ASID, so DMA does not raise C_BAD_CD, but EPD0 and EPD1 disable every walk and R is clear, so each
    /// access aborts without an event and nothing can be cached from the freed tables.
    /// </summary>
    public static ContextDescriptor Quiet(ushort asid, int ips = Ips52) => new(Common(asid, ips) | Epd0Bit, 0);

    private static ulong Common(ushort asid, int ips)
    {
        CheckWidth((ulong)ips, 3, nameof(ips));
        return Epd1Bit | ValidBit | Prep(34, 32, (ulong)ips) | AA64Bit | AbortBit | AsetBit | ((ulong)asid << 48);
    }

    /// <summary>Reads a CD from the first <see cref="Size"/> bytes of <paramref name="source"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is shorter than <see cref="Size"/>.</exception>
    public static ContextDescriptor ReadFrom(ReadOnlySpan<byte> source)
    {
        CheckLength(source.Length, Size, "a CD", nameof(source));
        return new(ReadWord(source, 0), ReadWord(source, 1), ReadWord(source, 2), ReadWord(source, 3),
            ReadWord(source, 4), ReadWord(source, 5), ReadWord(source, 6), ReadWord(source, 7));
    }

    /// <summary>Writes the CD, little-endian, to the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="Size"/>.</exception>
    public void WriteTo(Span<byte> destination)
    {
        CheckLength(destination.Length, Size, "a CD", nameof(destination));
        WriteWords(destination, Word0, Word1, Word2, Word3, Word4, Word5, Word6, Word7);
    }


    public bool Equals(ContextDescriptor other) =>
        Word0 == other.Word0 && Word1 == other.Word1 && Word2 == other.Word2 && Word3 == other.Word3
        && Word4 == other.Word4 && Word5 == other.Word5 && Word6 == other.Word6 && Word7 == other.Word7;

    public override bool Equals(object? obj) => obj is ContextDescriptor o && Equals(o);
    public override int GetHashCode() => HashCode.Combine(Word0, Word1, Word2, Word3, Word4, Word5, Word6, Word7);
    public static bool operator ==(ContextDescriptor a, ContextDescriptor b) => a.Equals(b);
    public static bool operator !=(ContextDescriptor a, ContextDescriptor b) => !a.Equals(b);

    public override string ToString() => !Valid
        ? "cd[invalid]"
        : $"cd[asid={Asid} ttb0={Ttb0:x} t0sz={T0Sz}{(Epd0 ? " epd0" : "")}]";
}

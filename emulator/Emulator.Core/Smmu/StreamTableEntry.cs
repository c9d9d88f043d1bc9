using static Emulator.Core.Smmu.SmmuBits;

namespace Emulator.Core.Smmu;

/// <summary>
/// A 64-byte Stream Table Entry: how the SMMU treats one StreamID's traffic.
/// </summary>
/// <remarks>
/// <para>SMMUv3 §5.2 (STE); field positions as Linux <c>STRTAB_STE_{0..3}_*</c>. The words are
/// little-endian in memory. Only words 0–3 carry fields this model uses; words 4–7 are kept so a
/// round trip through memory is exact.</para>
/// <para>Word 0: V 0, Config 3:1, S1Fmt 5:4, S1ContextPtr 51:6 (the spec's field is 55:6; bits above
/// the 52-bit OAS are RES0), S1CDMax 63:59. Word 1: S1DSS 1:0, S1CIR 3:2, S1COR 5:4, S1CSH 7:6,
/// MEV 19, S1STALLD 27, EATS 29:28, STRW 31:30, SHCFG 45:44. Word 2: S2VMID 15:0. Word 3: S2TTB 51:4.</para>
/// </remarks>
public readonly struct StreamTableEntry : IEquatable<StreamTableEntry>
{
    /// <summary>Bytes per STE (<c>STRTAB_STE_DWORDS</c> * 8).</summary>
    public const int Size = 64;

    /// <summary>STRTAB_STE_0_S1CTXPTR_MASK, bits 51:6.</summary>
    public const ulong S1ContextPtrMask = 0x000F_FFFF_FFFF_FFC0UL;

    /// <summary>S1CIR / S1COR value Write-Back Read-Allocate (Linux <c>STRTAB_STE_1_S1C_CACHE_WBRA</c>).</summary>
    public const int CacheWbra = 1;

    /// <summary>S1CSH value Inner Shareable (Linux <c>ARM_SMMU_SH_ISH</c>).</summary>
    public const int ShareInner = 3;

    public StreamTableEntry(ulong word0, ulong word1, ulong word2 = 0, ulong word3 = 0,
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

    /// <summary>V, word 0 bit 0. With V 0 every other field is IGNORED and traffic gets C_BAD_STE.</summary>
    public bool Valid => Bit(Word0, 0);

    /// <summary>Config, word 0 bits 3:1. Reserved values (0b001–0b011) come back as their raw number.</summary>
    public SteConfig Config => (SteConfig)Get(Word0, 3, 1);

    /// <summary>True when stage 1 translates (Config 0b1x1).</summary>
    public bool Stage1Translates => ((uint)Config & 0b101) == 0b101;

    /// <summary>S1Fmt, word 0 bits 5:4.</summary>
    public CdTableFormat S1Fmt => (CdTableFormat)Get(Word0, 5, 4);

    /// <summary>S1ContextPtr, word 0 bits 51:6, as the field value (the address shifted right by 6).</summary>
    public ulong S1ContextPtr => Get(Word0, 51, 6);

    /// <summary>The CD table's (or single CD's) physical address: S1ContextPtr with bits 5:0 zero.</summary>
    public ulong S1ContextPtrPa => Word0 & S1ContextPtrMask;

    /// <summary>S1CDMax, word 0 bits 63:59: log2 of the number of CDs; 0 means one CD and no substreams.</summary>
    public int S1CdMax => (int)(Word0 >> 59);

    /// <summary>S1DSS, word 1 bits 1:0.</summary>
    public DefaultSubstream S1Dss => (DefaultSubstream)Get(Word1, 1, 0);

    /// <summary>S1CIR, word 1 bits 3:2: inner cacheability of CD and table fetches.</summary>
    public int S1Cir => (int)Get(Word1, 3, 2);

    /// <summary>S1COR, word 1 bits 5:4.</summary>
    public int S1Cor => (int)Get(Word1, 5, 4);

    /// <summary>S1CSH, word 1 bits 7:6.</summary>
    public int S1Csh => (int)Get(Word1, 7, 6);

    /// <summary>MEV, word 1 bit 19: events from this stream may be merged.</summary>
    public bool MergeEvents => Bit(Word1, 19);

    /// <summary>S1STALLD, word 1 bit 27: stage 1 stalls disabled.</summary>
    public bool S1StallDisable => Bit(Word1, 27);

    /// <summary>EATS, word 1 bits 29:28.</summary>
    public AtsMode Eats => (AtsMode)Get(Word1, 29, 28);

    /// <summary>STRW, word 1 bits 31:30.</summary>
    public StreamWorld Strw => (StreamWorld)Get(Word1, 31, 30);

    /// <summary>SHCFG, word 1 bits 45:44.</summary>
    public int ShCfg => (int)Get(Word1, 45, 44);

    /// <summary>S2VMID, word 2 bits 15:0.</summary>
    public ushort S2Vmid => (ushort)Word2;

    /// <summary>S2TTB, word 3 bits 51:4.</summary>
    public ulong S2Ttb => Word3 & 0x000F_FFFF_FFFF_FFF0UL;

    /// <summary>True when a transaction with <paramref name="ssid"/> is inside the CD table (SubstreamID &lt; 2^S1CDMax).</summary>
    public bool SubstreamInRange(uint ssid) => S1CdMax > 0 && ((ulong)ssid >> S1CdMax) == 0;

    /// <summary>An invalid STE (V 0): traffic aborts with C_BAD_STE.</summary>
    public static StreamTableEntry Invalid => default;

    /// <summary>V 1, Config abort: traffic aborts silently (Linux <c>arm_smmu_make_abort_ste</c>).</summary>
    public static StreamTableEntry Abort() => new(1 | Prep(3, 1, (ulong)SteConfig.Abort), 0);

    /// <summary>V 1, Config bypass (Linux <c>arm_smmu_make_bypass_ste</c> without ATTR_TYPES_OVR).</summary>
    public static StreamTableEntry Bypass() => new(1 | Prep(3, 1, (ulong)SteConfig.Bypass), 0);

    /// <summary>
    /// A stage 1 STE pointing at a CD table, as Linux <c>arm_smmu_make_cdtable_ste</c> writes it on an
    /// SMMU without stalls, E2H or ATTR_TYPES_OVR: CD fetches Write-Back Read-Allocate and Inner
    /// Shareable, StreamWorld NS-EL1.
    /// </summary>
    /// <param name="cdTablePa">CD table (or single CD) address; bits 5:0 and above 51 are dropped as Linux drops them.</param>
    /// <param name="s1CdMax">log2 of the number of CDs, 0..20 (0: one CD, no substreams).</param>
    /// <param name="s1Fmt">Linear or 2-level CD table (IGNORED when <paramref name="s1CdMax"/> is 0).</param>
    /// <param name="s1Dss">What traffic without a SubstreamID does; Linux SVA uses <see cref="DefaultSubstream.Substream0"/>
    /// when the device also has a default domain in CD 0.</param>
    /// <param name="eats"><see cref="AtsMode.Translate"/> when ATS is enabled for the master.</param>
    public static StreamTableEntry S1Translate(ulong cdTablePa, int s1CdMax, CdTableFormat s1Fmt, DefaultSubstream s1Dss, AtsMode eats)
    {
        if ((uint)s1CdMax > 20)
        {
            throw new ArgumentOutOfRangeException(nameof(s1CdMax), s1CdMax, "must be 0..20");
        }
        ulong word0 = 1 | Prep(3, 1, (ulong)SteConfig.S1Translate) | Prep(5, 4, (ulong)s1Fmt)
            | (cdTablePa & S1ContextPtrMask) | ((ulong)s1CdMax << 59);
        ulong word1 = Prep(1, 0, (ulong)s1Dss) | Prep(3, 2, CacheWbra) | Prep(5, 4, CacheWbra) | Prep(7, 6, ShareInner)
            | Prep(29, 28, (ulong)eats) | Prep(31, 30, (ulong)StreamWorld.NsEl1);
        return new(word0, word1);
    }

    /// <summary>Reads an STE from the first <see cref="Size"/> bytes of <paramref name="source"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is shorter than <see cref="Size"/>.</exception>
    public static StreamTableEntry ReadFrom(ReadOnlySpan<byte> source)
    {
        CheckLength(source.Length, Size, "an STE", nameof(source));
        return new(ReadWord(source, 0), ReadWord(source, 1), ReadWord(source, 2), ReadWord(source, 3),
            ReadWord(source, 4), ReadWord(source, 5), ReadWord(source, 6), ReadWord(source, 7));
    }

    /// <summary>Writes the STE, little-endian, to the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="Size"/>.</exception>
    public void WriteTo(Span<byte> destination)
    {
        CheckLength(destination.Length, Size, "an STE", nameof(destination));
        WriteWords(destination, Word0, Word1, Word2, Word3, Word4, Word5, Word6, Word7);
    }


    public bool Equals(StreamTableEntry other) =>
        Word0 == other.Word0 && Word1 == other.Word1 && Word2 == other.Word2 && Word3 == other.Word3
        && Word4 == other.Word4 && Word5 == other.Word5 && Word6 == other.Word6 && Word7 == other.Word7;

    public override bool Equals(object? obj) => obj is StreamTableEntry o && Equals(o);
    public override int GetHashCode() => HashCode.Combine(Word0, Word1, Word2, Word3, Word4, Word5, Word6, Word7);
    public static bool operator ==(StreamTableEntry a, StreamTableEntry b) => a.Equals(b);
    public static bool operator !=(StreamTableEntry a, StreamTableEntry b) => !a.Equals(b);

    public override string ToString() => !Valid
        ? "ste[invalid]"
        : $"ste[{Config} ctx={S1ContextPtrPa:x} cdmax={S1CdMax} fmt={S1Fmt} dss={S1Dss} eats={Eats}]";
}

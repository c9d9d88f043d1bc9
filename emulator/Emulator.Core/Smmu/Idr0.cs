using static Emulator.Core.Smmu.SmmuBits;

namespace Emulator.Core.Smmu;

/// <summary>SMMU_IDR0 (offset 0x0): the features the SMMU advertises, as a typed view over the raw register.</summary>
/// <remarks>SMMUv3 §6.3.1 SMMU_IDR0; field positions as Linux <c>IDR0_*</c>. Build a value with the bit
/// constants and the <c>With*</c> methods for multi-bit fields.</remarks>
public readonly struct Idr0 : IEquatable<Idr0>
{
    public const uint S2P = 1u << 0;
    public const uint S1P = 1u << 1;
    public const uint CohAcc = 1u << 4;
    public const uint HypBit = 1u << 9;
    public const uint AtsBit = 1u << 10;
    public const uint Asid16Bit = 1u << 12;
    public const uint MsiBit = 1u << 13;
    public const uint SevBit = 1u << 14;
    public const uint PriBit = 1u << 16;
    public const uint Vmid16Bit = 1u << 18;
    public const uint Cd2LBit = 1u << 19;
    public const uint TermModelBit = 1u << 26;

    /// <summary>TTF 0b10: AArch64 translation tables (Linux <c>IDR0_TTF_AARCH64</c>).</summary>
    public const int TtfAArch64 = 2;
    /// <summary>TTF 0b11: AArch32 LPAE and AArch64.</summary>
    public const int TtfAArch32And64 = 3;

    /// <summary>STALL_MODEL 0b00: Stall and Terminate models supported.</summary>
    public const int StallModelStallAndTerminate = 0;
    /// <summary>STALL_MODEL 0b01: Stall not supported; CMD_RESUME and CMD_STALL_TERM are ILLEGAL.</summary>
    public const int StallModelTerminateOnly = 1;
    /// <summary>STALL_MODEL 0b10: Stall forced.</summary>
    public const int StallModelForced = 2;

    /// <summary>TTENDIAN 0b00: mixed-endian walks.</summary>
    public const int TtEndianMixed = 0;
    /// <summary>TTENDIAN 0b10: little-endian walks only.</summary>
    public const int TtEndianLittle = 2;
    /// <summary>TTENDIAN 0b11: big-endian walks only.</summary>
    public const int TtEndianBig = 3;

    /// <summary>ST_LEVEL 0b01: 2-level Stream tables supported in addition to linear (<c>IDR0_ST_LVL_2LVL</c>).</summary>
    public const int StLevelTwoLevel = 1;

    public Idr0(uint raw) => Raw = raw;

    public uint Raw { get; }

    /// <summary>S2P, bit 0: stage 2 translation supported.</summary>
    public bool Stage2 => (Raw & S2P) != 0;
    /// <summary>S1P, bit 1: stage 1 translation supported.</summary>
    public bool Stage1 => (Raw & S1P) != 0;
    /// <summary>TTF, bits 3:2: translation table formats.</summary>
    public int Ttf => (int)Get(Raw, 3, 2);
    /// <summary>COHACC, bit 4: coherent access to tables and queues.</summary>
    public bool CoherentAccess => (Raw & CohAcc) != 0;
    /// <summary>HTTU, bits 7:6: hardware Access flag / dirty state updates.</summary>
    public int Httu => (int)Get(Raw, 7, 6);
    /// <summary>Hyp, bit 9: EL2 stage 1 contexts (and CMD_TLBI_EL2_*) supported.</summary>
    public bool Hyp => (Raw & HypBit) != 0;
    /// <summary>ATS, bit 10: PCIe ATS supported (CMD_ATC_INV legal).</summary>
    public bool Ats => (Raw & AtsBit) != 0;
    /// <summary>ASID16, bit 12: 16-bit ASIDs.</summary>
    public bool Asid16 => (Raw & Asid16Bit) != 0;
    /// <summary>MSI, bit 13: message-signalled interrupts.</summary>
    public bool Msi => (Raw & MsiBit) != 0;
    /// <summary>SEV, bit 14: WFE wake-up events.</summary>
    public bool Sev => (Raw & SevBit) != 0;
    /// <summary>PRI, bit 16: Page Request Interface (PRI queue, CMD_PRI_RESP).</summary>
    public bool Pri => (Raw & PriBit) != 0;
    /// <summary>VMID16, bit 18: 16-bit VMIDs.</summary>
    public bool Vmid16 => (Raw & Vmid16Bit) != 0;
    /// <summary>CD2L, bit 19: 2-level CD tables.</summary>
    public bool Cd2L => (Raw & Cd2LBit) != 0;
    /// <summary>TTENDIAN, bits 22:21.</summary>
    public int TtEndian => (int)Get(Raw, 22, 21);
    /// <summary>STALL_MODEL, bits 25:24.</summary>
    public int StallModel => (int)Get(Raw, 25, 24);
    /// <summary>TERM_MODEL, bit 26: terminated transactions always abort (CD.A must be 1).</summary>
    public bool TermModel => (Raw & TermModelBit) != 0;
    /// <summary>ST_LEVEL, bits 28:27.</summary>
    public int StLevel => (int)Get(Raw, 28, 27);

    /// <summary>Sets single-bit features (the <c>*Bit</c>, <see cref="S1P"/>, <see cref="S2P"/> constants).</summary>
    public Idr0 With(uint bits) => new(Raw | bits);

    public Idr0 WithTtf(int ttf) => WithField(3, 2, ttf);
    public Idr0 WithTtEndian(int ttEndian) => WithField(22, 21, ttEndian);
    public Idr0 WithStallModel(int stallModel) => WithField(25, 24, stallModel);
    public Idr0 WithStLevel(int stLevel) => WithField(28, 27, stLevel);

    private Idr0 WithField(int hi, int lo, int value)
    {
        CheckWidth((ulong)value, hi - lo + 1, nameof(value));
        return new((uint)((Raw & ~Mask(hi, lo)) | Prep(hi, lo, (ulong)value)));
    }

    public bool Equals(Idr0 other) => Raw == other.Raw;
    public override bool Equals(object? obj) => obj is Idr0 o && Equals(o);
    public override int GetHashCode() => (int)Raw;
    public override string ToString() => $"IDR0[{Raw:x8}]";
}

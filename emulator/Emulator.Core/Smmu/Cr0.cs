namespace Emulator.Core.Smmu;

/// <summary>SMMU_CR0 (offset 0x20) and SMMU_CR0ACK (0x24): the enables, as a typed view.</summary>
/// <remarks>SMMUv3 §6.3.9 SMMU_CR0; Linux <c>CR0_*</c>. A write to CR0 takes effect when the SMMU copies it
/// to CR0ACK; software polls CR0ACK.</remarks>
public readonly struct Cr0 : IEquatable<Cr0>
{
    public const uint SmmuEnBit = 1u << 0;
    public const uint PriqEnBit = 1u << 1;
    public const uint EventqEnBit = 1u << 2;
    public const uint CmdqEnBit = 1u << 3;
    public const uint AtsChkBit = 1u << 4;

    /// <summary>The bits this model implements; the rest of CR0 (VMW 8:6 and above) is RES0 here.</summary>
    public const uint ImplementedMask = SmmuEnBit | PriqEnBit | EventqEnBit | CmdqEnBit | AtsChkBit;

    public Cr0(uint raw) => Raw = raw;

    public uint Raw { get; }

    /// <summary>SMMUEN, bit 0: translation enabled (otherwise GBPA decides).</summary>
    public bool SmmuEnabled => (Raw & SmmuEnBit) != 0;
    /// <summary>PRIQEN, bit 1.</summary>
    public bool PriqEnabled => (Raw & PriqEnBit) != 0;
    /// <summary>EVENTQEN, bit 2.</summary>
    public bool EventqEnabled => (Raw & EventqEnBit) != 0;
    /// <summary>CMDQEN, bit 3.</summary>
    public bool CmdqEnabled => (Raw & CmdqEnBit) != 0;
    /// <summary>ATSCHK, bit 4: ATS Translated traffic is checked against the STE.</summary>
    public bool AtsCheck => (Raw & AtsChkBit) != 0;

    public bool Equals(Cr0 other) => Raw == other.Raw;
    public override bool Equals(object? obj) => obj is Cr0 o && Equals(o);
    public override int GetHashCode() => (int)Raw;
    public override string ToString() =>
        $"CR0[{(SmmuEnabled ? "SMMUEN " : "")}{(PriqEnabled ? "PRIQEN " : "")}{(EventqEnabled ? "EVTQEN " : "")}{(CmdqEnabled ? "CMDQEN " : "")}{(AtsCheck ? "ATSCHK" : "")}]";
}

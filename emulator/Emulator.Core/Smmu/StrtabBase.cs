namespace Emulator.Core.Smmu;

/// <summary>SMMU_STRTAB_BASE (offset 0x80): the stream table's physical address.</summary>
/// <remarks>SMMUv3 §6.3.24; Linux <c>STRTAB_BASE_ADDR_MASK</c> 51:6 (the spec's field is 55:6) and
/// <c>STRTAB_BASE_RA</c> bit 62. The SMMU aligns the address to the table (see
/// <see cref="StrtabBaseCfg.EffectiveBase"/>).</remarks>
public readonly struct StrtabBase : IEquatable<StrtabBase>
{
    public const ulong AddressMask = 0x000F_FFFF_FFFF_FFC0UL;
    public const ulong ReadAllocate = 1UL << 62;

    public StrtabBase(ulong raw) => Raw = raw;

    public ulong Raw { get; }

    /// <summary>ADDR, bits 51:6, as written.</summary>
    public ulong Address => Raw & AddressMask;

    /// <summary>RA, bit 62.</summary>
    public bool Allocate => (Raw & ReadAllocate) != 0;

    public static StrtabBase Create(ulong address, bool readAllocate = false) =>
        new((address & AddressMask) | (readAllocate ? ReadAllocate : 0));

    public bool Equals(StrtabBase other) => Raw == other.Raw;
    public override bool Equals(object? obj) => obj is StrtabBase o && Equals(o);
    public override int GetHashCode() => Raw.GetHashCode();
    public override string ToString() => $"STRTAB_BASE[{Address:x}{(Allocate ? " ra" : "")}]";
}

using static Emulator.Core.Smmu.SmmuBits;

namespace Emulator.Core.Smmu;

/// <summary>SMMU_IDR5 (offset 0x14): output address size and translation granules.</summary>
/// <remarks>SMMUv3 §6.3.6 SMMU_IDR5; Linux <c>IDR5_*</c>: STALL_MAX 31:16, VAX 11:10, GRAN64K 6, GRAN16K 5,
/// GRAN4K 4, OAS 2:0 (0 → 32, 1 → 36, 2 → 40, 3 → 42, 4 → 44, 5 → 48, 6 → 52 bits).</remarks>
public readonly struct Idr5 : IEquatable<Idr5>
{
    public const uint Gran4K = 1u << 4;
    public const uint Gran16K = 1u << 5;
    public const uint Gran64K = 1u << 6;

    private static readonly int[] s_oasBitsByField = [32, 36, 40, 42, 44, 48, 52];

    public Idr5(uint raw) => Raw = raw;

    public uint Raw { get; }

    /// <summary>OAS, bits 2:0, the raw encoding.</summary>
    public int Oas => (int)Get(Raw, 2, 0);

    /// <summary>The output address size in bits; 0 for a Reserved encoding.</summary>
    public int OasBits => Oas < s_oasBitsByField.Length ? s_oasBitsByField[Oas] : 0;

    public bool Granule4K => (Raw & Gran4K) != 0;
    public bool Granule16K => (Raw & Gran16K) != 0;
    public bool Granule64K => (Raw & Gran64K) != 0;

    /// <summary>VAX, bits 11:10: 1 means 52-bit VAs.</summary>
    public int Vax => (int)Get(Raw, 11, 10);

    /// <summary>STALL_MAX, bits 31:16.</summary>
    public int StallMax => (int)(Raw >> 16);

    /// <summary>Builds IDR5 for an output address size of <paramref name="oasBits"/> and the given granule bits.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="oasBits"/> is not an architected size.</exception>
    public static Idr5 Create(int oasBits, uint granules)
    {
        int field = Array.IndexOf(s_oasBitsByField, oasBits);
        if (field < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(oasBits), oasBits, "not one of 32, 36, 40, 42, 44, 48, 52");
        }
        return new((uint)field | (granules & (Gran4K | Gran16K | Gran64K)));
    }

    public bool Equals(Idr5 other) => Raw == other.Raw;
    public override bool Equals(object? obj) => obj is Idr5 o && Equals(o);
    public override int GetHashCode() => (int)Raw;
    public override string ToString() => $"IDR5[oas={OasBits} gran={(Granule4K ? "4K " : "")}{(Granule16K ? "16K " : "")}{(Granule64K ? "64K" : "")}]";
}

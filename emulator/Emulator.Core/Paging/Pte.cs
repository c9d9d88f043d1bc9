using System.Runtime.CompilerServices;

namespace Emulator.Core.Paging;

/// <summary>
/// One x86-64 paging-structure entry (PML5E, PML4E, PDPTE, PDE or PTE) as a typed view over its raw
/// 64-bit word.
/// </summary>
/// <remarks>
/// SDM Vol. 3A §4.5, Tables 4-15 to 4-20. Bit 7 is PS in PDPTEs and PDEs (a 1 GiB or 2 MiB leaf) and
/// PAT in 4 KiB PTEs. Bits 9–11 and 52–58 are ignored by hardware; the emulated kernel keeps its own
/// marks there (<see cref="SoftProtNone"/>). When P is 0 the processor ignores every other bit.
/// </remarks>
public readonly struct Pte : IEquatable<Pte>
{
    public const ulong PresentBit = 1UL << 0;
    public const ulong WritableBit = 1UL << 1;
    public const ulong UserBit = 1UL << 2;
    public const ulong WriteThroughBit = 1UL << 3;
    public const ulong CacheDisableBit = 1UL << 4;
    public const ulong AccessedBit = 1UL << 5;
    public const ulong DirtyBit = 1UL << 6;
    public const ulong PageSizeBit = 1UL << 7;
    public const ulong GlobalBit = 1UL << 8;
    public const ulong NoExecuteBit = 1UL << 63;

    /// <summary>Software bit (ignored by hardware): a PROT_NONE mapping that still owns its frame; P is 0.</summary>
    public const ulong SoftProtNone = 1UL << 9;

    /// <summary>Address bits 51:12 of a 4 KiB frame or of the next paging structure.</summary>
    public const ulong AddressMask4K = 0x000F_FFFF_FFFF_F000UL;
    /// <summary>Address bits 51:21 of a 2 MiB page.</summary>
    public const ulong AddressMask2M = 0x000F_FFFF_FFE0_0000UL;
    /// <summary>Address bits 51:30 of a 1 GiB page.</summary>
    public const ulong AddressMask1G = 0x000F_FFFF_C000_0000UL;

    public Pte(ulong raw) => Raw = raw;

    /// <summary>The raw 64-bit entry as stored in memory.</summary>
    public ulong Raw { get; }

    public bool Present => (Raw & PresentBit) != 0;
    public bool Writable => (Raw & WritableBit) != 0;
    public bool User => (Raw & UserBit) != 0;
    public bool WriteThrough => (Raw & WriteThroughBit) != 0;
    public bool CacheDisable => (Raw & CacheDisableBit) != 0;
    public bool Accessed => (Raw & AccessedBit) != 0;
    public bool Dirty => (Raw & DirtyBit) != 0;
    /// <summary>PS: a large-page leaf in a PDPTE or PDE (PAT in a 4 KiB PTE).</summary>
    public bool PageSize => (Raw & PageSizeBit) != 0;
    public bool Global => (Raw & GlobalBit) != 0;
    public bool NoExecute => (Raw & NoExecuteBit) != 0;
    public bool IsProtNone => (Raw & (SoftProtNone | PresentBit)) == SoftProtNone;

    /// <summary>Page-frame number of a 4 KiB frame or of the next table (bits 51:12).</summary>
    public ulong Pfn => (Raw & AddressMask4K) >> 12;

    /// <summary>Physical address of the next table or 4 KiB frame (bits 51:12).</summary>
    public ulong Address => Raw & AddressMask4K;

    /// <summary>An empty (not-present, all-zero) entry.</summary>
    public static Pte None => default;

    /// <summary>A present entry pointing at the next-level table. Upper levels are permissive
    /// (writable, user) as Linux makes them; permissions live in the leaves.</summary>
    public static Pte Table(ulong tablePfn) => new((tablePfn << 12) | PresentBit | WritableBit | UserBit | AccessedBit);

    /// <summary>A 4 KiB leaf with the given flags.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Pte Leaf(ulong pfn, ulong flags) => new(((pfn << 12) & AddressMask4K) | flags);

    public Pte With(ulong bits) => new(Raw | bits);
    public Pte Without(ulong bits) => new(Raw & ~bits);
    public Pte WithPfn(ulong pfn) => new((Raw & ~AddressMask4K) | ((pfn << 12) & AddressMask4K));

    public bool Equals(Pte other) => Raw == other.Raw;
    public override bool Equals(object? obj) => obj is Pte p && Equals(p);
    public override int GetHashCode() => Raw.GetHashCode();
    public static bool operator ==(Pte a, Pte b) => a.Raw == b.Raw;
    public static bool operator !=(Pte a, Pte b) => a.Raw != b.Raw;

    public override string ToString()
    {
        if (!Present)
        {
            return IsProtNone ? $"pte[prot-none pfn={Pfn:x}]" : $"pte[not-present {Raw:x}]";
        }
        return $"pte[pfn={Pfn:x} {(Writable ? "W" : "-")}{(User ? "U" : "-")}{(NoExecute ? "X" : "-")}{(Accessed ? "A" : "-")}{(Dirty ? "D" : "-")}{(PageSize ? "S" : "-")}{(Global ? "G" : "-")}]";
    }
}

namespace Emulator.Core.Paging;

/// <summary>
/// A successful linear-address translation: the physical address, the page that contains it and the
/// access rights combined over every level of the walk.
/// </summary>
/// <remarks>
/// <para>SDM Vol. 3A §4.6 and §4.10.2.2: the rights are what a TLB entry caches — R/W and U/S are
/// the logical AND over all levels, XD the logical OR (only when EFER.NXE = 1). The CR0.WP, SMEP and
/// SMAP checks are applied on every use, so they are not folded in here.</para>
/// <para>A translation served from a <see cref="Tlb"/> (<see cref="FromTlb"/>) has no leaf entry:
/// <see cref="LeafEntryPa"/> is 0 and <see cref="Leaf"/> is <see cref="Pte.None"/>.</para>
/// </remarks>
public readonly struct Translation
{
    internal const byte RightWritable = 1 << 0;
    internal const byte RightUser = 1 << 1;
    internal const byte RightNoExecute = 1 << 2;
    internal const byte RightDirty = 1 << 3;
    internal const byte RightGlobal = 1 << 4;

    private readonly ulong _pa;
    private readonly ulong _leafEntryPa;
    private readonly ulong _leaf;
    private readonly byte _pageShift;
    private readonly byte _rights;
    private readonly bool _fromTlb;

    /// <param name="physicalAddress">The pa of the translated va (page base | offset).</param>
    /// <param name="pageShift">12, 21 or 30.</param>
    /// <param name="rights">The <c>Right*</c> bits.</param>
    /// <param name="leafEntryPa">Physical address of the leaf entry (0 when unknown).</param>
    /// <param name="leaf">The leaf entry as it was after the walk set Accessed/Dirty.</param>
    /// <param name="fromTlb">The translation came from a TLB, not a walk.</param>
    internal Translation(ulong physicalAddress, int pageShift, byte rights, ulong leafEntryPa, Pte leaf, bool fromTlb)
    {
        _pa = physicalAddress;
        _pageShift = (byte)pageShift;
        _rights = rights;
        _leafEntryPa = leafEntryPa;
        _leaf = leaf.Raw;
        _fromTlb = fromTlb;
    }

    /// <summary>The physical address the virtual address translates to.</summary>
    public ulong PhysicalAddress => _pa;

    /// <summary>Physical address of the first byte of the page.</summary>
    public ulong PageBase => _pa & ~(PageSize - 1);

    /// <summary>log2 of the page size: 12 (4 KiB), 21 (2 MiB) or 30 (1 GiB).</summary>
    public int PageShift => _pageShift;

    /// <summary>Bytes in the page.</summary>
    public ulong PageSize => 1UL << _pageShift;

    /// <summary>Level of the leaf entry: 1 (PTE), 2 (PDE, 2 MiB) or 3 (PDPTE, 1 GiB).</summary>
    public int Level => (_pageShift - 3) / 9;

    /// <summary>R/W = 1 at every level.</summary>
    public bool Writable => (_rights & RightWritable) != 0;

    /// <summary>U/S = 1 at every level: a user-mode page.</summary>
    public bool User => (_rights & RightUser) != 0;

    /// <summary>XD = 1 at some level, with EFER.NXE = 1.</summary>
    public bool NoExecute => (_rights & RightNoExecute) != 0;

    /// <summary>The leaf has G = 1 and CR4.PGE = 1: the translation belongs to every PCID.</summary>
    public bool Global => (_rights & RightGlobal) != 0;

    /// <summary>The leaf's D bit after the walk (set by a write walk).</summary>
    public bool Dirty => (_rights & RightDirty) != 0;

    /// <summary>Physical address of the leaf entry; 0 when <see cref="FromTlb"/>.</summary>
    public ulong LeafEntryPa => _leafEntryPa;

    /// <summary>The leaf entry after the walk updated it; <see cref="Pte.None"/> when <see cref="FromTlb"/>.</summary>
    public Pte Leaf => new(_leaf);

    /// <summary>Served from a TLB entry rather than walked.</summary>
    public bool FromTlb => _fromTlb;

    /// <summary>W, U, NX, D and G as the <c>Right*</c> bits, the form a TLB entry stores.</summary>
    internal byte Rights => _rights;

    public override string ToString() =>
        $"pa={_pa:x} {PageSize >> 10}K {(Writable ? "W" : "-")}{(User ? "U" : "-")}{(NoExecute ? "X" : "-")}{(Dirty ? "D" : "-")}{(Global ? "G" : "-")}{(_fromTlb ? " tlb" : "")}";
}

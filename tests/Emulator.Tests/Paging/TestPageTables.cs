using Emulator.Core.Memory;
using Emulator.Core.Paging;

namespace Emulator.Tests.Paging;

/// <summary>
/// Hand-built x86-64 page tables in a 16 MiB <see cref="PhysicalMemory"/> for the paging tests.
/// Tables are handed out in order from 1 MiB (root at 0x10_0000, the next table at 0x10_1000, …),
/// so a test can compute every entry address by hand. Intermediate entries are P|R/W|U/S with A and D
/// clear, so a test sees exactly what a walk sets.
/// </summary>
internal sealed class TestPageTables
{
    public const ulong RamSize = 16UL << 20;
    public const ulong FirstTable = 0x10_0000;
    public const ulong TableFlags = Pte.PresentBit | Pte.WritableBit | Pte.UserBit;
    public const ulong UserRw = Pte.PresentBit | Pte.WritableBit | Pte.UserBit;

    private ulong _next = FirstTable;

    public TestPageTables(PagingMode mode)
    {
        Mode = mode;
        Memory = new PhysicalMemory(RamSize);
        Root = NewTable();
    }

    public PhysicalMemory Memory { get; }
    public PagingMode Mode { get; }
    public ulong Root { get; }

    public ulong NewTable()
    {
        ulong pa = _next;
        _next += Page.Size;
        return pa;
    }

    /// <summary>Address of the entry for <paramref name="va"/> at <paramref name="level"/>, creating
    /// the tables above it when missing.</summary>
    public ulong EntryPa(ulong va, int level)
    {
        ulong table = Root;
        for (int l = Mode.Levels(); ; l--)
        {
            ulong slot = table + (((va >> (3 + 9 * l)) & 511) << 3);
            if (l == level)
            {
                return slot;
            }
            ulong e = Memory.ReadU64(slot);
            if ((e & Pte.PresentBit) == 0)
            {
                e = NewTable() | TableFlags;
                Memory.WriteU64(slot, e);
            }
            table = e & Pte.AddressMask4K;
        }
    }

    public ulong Get(ulong va, int level) => Memory.ReadU64(EntryPa(va, level));

    public void Set(ulong va, int level, ulong value) => Memory.WriteU64(EntryPa(va, level), value);

    /// <summary>ORs <paramref name="bits"/> into the entry at <paramref name="level"/>.</summary>
    public void SetBits(ulong va, int level, ulong bits) => Set(va, level, Get(va, level) | bits);

    /// <summary>Clears <paramref name="bits"/> in the entry at <paramref name="level"/>.</summary>
    public void ClearBits(ulong va, int level, ulong bits) => Set(va, level, Get(va, level) & ~bits);

    public void Map4K(ulong va, ulong pa, ulong flags) => Set(va, 1, pa | flags);

    public void Map2M(ulong va, ulong pa, ulong flags) => Set(va, 2, pa | flags | Pte.PageSizeBit);

    public void Map1G(ulong va, ulong pa, ulong flags) => Set(va, 3, pa | flags | Pte.PageSizeBit);

    /// <summary>The raw entries for <paramref name="va"/> from the top level down to <paramref name="leafLevel"/>.</summary>
    public ulong[] Entries(ulong va, int leafLevel)
    {
        var result = new ulong[Mode.Levels() - leafLevel + 1];
        for (int l = Mode.Levels(); l >= leafLevel; l--)
        {
            result[Mode.Levels() - l] = Get(va, l);
        }
        return result;
    }

    public WalkResult Walk(ulong va, AccessType access, in WalkOptions options, bool setAccessedDirty = true) =>
        PageWalker.Walk(Memory, Root, Mode, va, access, options, setAccessedDirty);

    public WalkResult Walk(ulong va, AccessType access) => Walk(va, access, WalkOptions.Default);
}

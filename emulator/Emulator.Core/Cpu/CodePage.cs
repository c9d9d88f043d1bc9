using Emulator.Core.Memory;
using Iced.Intel;

namespace Emulator.Core.Cpu;

/// <summary>The decoded instructions of one physical code page, as decoded at one virtual page.</summary>
/// <remarks>Owned by one <see cref="CodeCache"/> (one thread). Instructions are decoded lazily at the
/// offsets execution reaches; <see cref="Slot"/> maps a page offset to 1 + the index in
/// <see cref="Instructions"/> (0 = not decoded yet).</remarks>
internal sealed class CodePage
{
    public CodePage(ulong pfn, uint generation, ulong vaPage, bool preDecode = true)
    {
        Pfn = pfn;
        Generation = generation;
        VaPage = vaPage;
        _preDecode = preDecode;
    }

    /// <summary>Whether <see cref="Ops"/> get fast handlers (<see cref="CodeCache.PreDecode"/>).</summary>
    private readonly bool _preDecode;

    public ulong Pfn { get; }

    /// <summary>The frame's generation when the page was decoded.</summary>
    public uint Generation { get; }

    /// <summary>The virtual page the instructions were decoded at: RIP-relative operands and branch
    /// targets are absolute in an Iced <see cref="Instruction"/>.</summary>
    public ulong VaPage { get; }

    /// <summary>Set when the page is dropped (a store to it, <see cref="Cpu.InvalidateCode"/>), so a
    /// CPU still holding it as its current page stops using it.</summary>
    public bool Dead;

    public readonly ushort[] Slot = new ushort[Page.Size];
    public Instruction[] Instructions = new Instruction[32];

    /// <summary>Tier 0's compact form of each instruction (same index as <see cref="Instructions"/>).</summary>
    public DecodedOp[] Ops = new DecodedOp[32];
    public int Count;

    /// <summary>Per instruction (same index as <see cref="Instructions"/>): how often execution
    /// arrived at it as a block head (after a branch or a region exit); for the translator's
    /// threshold. Allocated on first use.</summary>
    public ushort[]? Heat;

    /// <summary>Per instruction: the translated region entered there, if any.</summary>
    public Translate.TranslatedRegion?[]? Regions;

    /// <summary>Puts <paramref name="region"/>'s other entries (its blocks' heads) into the empty
    /// region slots of their instructions, so a head inside compiled code runs it without another
    /// translation. On the thread of the page's vCPUs, after <see cref="Regions"/> exists.</summary>
    public void InstallEntries(Translate.TranslatedRegion region)
    {
        if (Dead)
        {
            return;
        }
        foreach (Translate.TranslatedRegion entry in region.Entries)
        {
            int index = RegionIndex(entry.Entry);
            if (index >= 0 && (Regions![index] is null || ReferenceEquals(Regions[index], Translate.TranslatedRegion.Covered)))
            {
                Regions[index] = entry;
            }
        }
    }

    /// <summary>Marks the empty region slots of <paramref name="decoded"/>'s block heads (other than
    /// its entry) <see cref="Translate.TranslatedRegion.Covered"/> while it compiles, or with
    /// <paramref name="covered"/> false empties the marks again (its compilation gave nothing).</summary>
    public void MarkCovered(Translate.GuestRegion decoded, bool covered)
    {
        for (int b = 1; b < decoded.Blocks.Length; b++)
        {
            int index = RegionIndex(decoded.Blocks[b].Ip);
            if (index < 0)
            {
                continue;
            }
            if (covered && Regions![index] is null)
            {
                Regions[index] = Translate.TranslatedRegion.Covered;
            }
            else if (!covered && ReferenceEquals(Regions![index], Translate.TranslatedRegion.Covered))
            {
                Regions[index] = null;
            }
        }
    }

    /// <summary>The index in <see cref="Regions"/> of the decoded instruction at <paramref name="ip"/>;
    /// −1 when there is none (another page, not decoded here, no region slots yet).</summary>
    private int RegionIndex(ulong ip)
    {
        int slot = (ip & ~Page.Mask) == VaPage ? Slot[(int)(ip & Page.Mask)] : 0;
        return slot != 0 && Regions is { } regions && slot - 1 < regions.Length ? slot - 1 : -1;
    }

    /// <summary>Stores a decoded instruction at <paramref name="offset"/>; returns its index.</summary>
    public int Add(in Instruction instruction, int offset)
    {
        if (Count == Instructions.Length)
        {
            Array.Resize(ref Instructions, Count * 2);
            Array.Resize(ref Ops, Count * 2);
            if (Heat is not null)
            {
                Array.Resize(ref Heat, Count * 2);
                Array.Resize(ref Regions, Count * 2);
            }
        }
        Instructions[Count] = instruction;
        Ops[Count] = _preDecode ? Cpu.PreDecode(in instruction, Count) : Cpu.GenericOp(in instruction, Count);
        Slot[offset] = (ushort)(Count + 1);
        return Count++;
    }
}

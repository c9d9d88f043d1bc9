namespace Emulator.Core.Cpu.Translate;

/// <summary>The decoded form of a region: the code reachable from one entry address inside one
/// physical page, as blocks (block 0 is the entry).</summary>
internal sealed class GuestRegion
{
    public GuestRegion(ulong entry, GuestInstruction[] instructions, GuestBlock[] blocks)
    {
        Entry = entry;
        Instructions = instructions;
        Blocks = blocks;
    }

    public ulong Entry { get; }
    public GuestInstruction[] Instructions { get; }
    public GuestBlock[] Blocks { get; }
}

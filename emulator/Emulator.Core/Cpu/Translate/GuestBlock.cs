namespace Emulator.Core.Cpu.Translate;

/// <summary>How a block of a region ends.</summary>
internal enum BlockEnd : byte
{
    /// <summary>Its last instruction falls through to <see cref="GuestBlock.Next"/>.</summary>
    FallThrough,

    /// <summary>Its last instruction is a control transfer (Jcc, JMP, CALL, RET...): the emitter
    /// handles the successors.</summary>
    Branch,

    /// <summary>The instruction at <see cref="GuestBlock.Next"/>'s address is not executed by the
    /// region (see <see cref="OpClass.Interpret"/>): the region exits and the interpreter runs it.</summary>
    Interpret,
}

/// <summary>A successor of a block: a block of the region, or an exit to <see cref="Rip"/>.</summary>
internal readonly record struct Successor(int Block, ulong Rip)
{
    public bool IsExit => Block < 0;
}

/// <summary>A straight-line run of instructions of a region: entered only at its first instruction,
/// left only after its last (or at a fault or an exit to the interpreter inside it).</summary>
internal sealed class GuestBlock
{
    /// <summary>Index of its first instruction in <see cref="GuestRegion.Instructions"/>.</summary>
    public int First;

    /// <summary>Number of instructions; the budget check at the block's head needs this many.</summary>
    public int Count;

    /// <summary>Address of its first instruction.</summary>
    public ulong Ip;

    public BlockEnd End;

    /// <summary>The fall-through successor (after a Jcc not taken, or a block that simply ends),
    /// or for <see cref="BlockEnd.Interpret"/> the instruction the interpreter runs.</summary>
    public Successor Next;

    /// <summary>The taken successor of a Jcc or JMP.</summary>
    public Successor Taken;

    /// <summary>Status flags live at the block's head (set by <see cref="FlagLiveness"/>).</summary>
    public ulong LiveIn;
}

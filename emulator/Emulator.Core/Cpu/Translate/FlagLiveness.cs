namespace Emulator.Core.Cpu.Translate;

/// <summary>
/// The optimise stage: backward liveness of the six status flags over a region's blocks, so the
/// emitter records a flag-producing instruction's operands only when a later instruction (in the
/// region, or after an exit) may read one of the flags it writes.
/// </summary>
/// <remarks>
/// Rules: every exit makes all six flags live (the code after it is unknown); an instruction the
/// region calls the interpreter for, or leaves to it, reads all six and defines none; an
/// instruction defines only the flags this CPU always writes for it (a flag the SDM calls
/// undefined but the interpreter leaves unchanged is not defined). The classic iterative solution
/// over the block graph; loops converge in a few rounds because the lattice is six bits.
/// </remarks>
internal static class FlagLiveness
{
    public static void Analyse(GuestRegion region)
    {
        GuestBlock[] blocks = region.Blocks;
        GuestInstruction[] code = region.Instructions;
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int b = blocks.Length - 1; b >= 0; b--)
            {
                GuestBlock block = blocks[b];
                ulong live = LiveOut(block, blocks, code);
                for (int k = block.First + block.Count - 1; k >= block.First; k--)
                {
                    code[k].LiveAfter = live;
                    live = (live & ~code[k].FlagsDefined) | code[k].FlagsUsed;
                }
                if (live != block.LiveIn)
                {
                    block.LiveIn = live;
                    changed = true;
                }
            }
        }
    }

    private static ulong LiveOut(GuestBlock block, GuestBlock[] blocks, GuestInstruction[] code)
    {
        switch (block.End)
        {
            case BlockEnd.FallThrough:
                return LiveAt(block.Next, blocks);
            case BlockEnd.Interpret:
                return InstructionClassifier.Status;
            default:
                OpClass last = code[block.First + block.Count - 1].Class;
                return last switch
                {
                    OpClass.Jcc => LiveAt(block.Taken, blocks) | LiveAt(block.Next, blocks),
                    OpClass.Jmp => LiveAt(block.Taken, blocks),
                    _ => InstructionClassifier.Status,
                };
        }
    }

    private static ulong LiveAt(Successor s, GuestBlock[] blocks) => s.IsExit ? InstructionClassifier.Status : blocks[s.Block].LiveIn;
}

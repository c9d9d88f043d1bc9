namespace Emulator.Core.Cpu.Translate;

/// <summary>
/// The optimise stage: backward liveness of the six status flags inside each block, so the emitter
/// records a flag-producing instruction's operands only when one of the flags it writes may be
/// observed — read by a later instruction, or seen at an exit — before all of them are written again.
/// </summary>
/// <remarks>
/// Every exit must leave the exact flags, so every point where the region may exit observes all
/// six: the head of each block (the budget and TLB checks), its end, every instruction that
/// touches memory (a fault exits before it) and every instruction the interpreter executes. An
/// instruction defines only the flags this CPU always writes for it (a flag the SDM calls
/// undefined but the interpreter leaves unchanged is not defined). What remains dead is a flag
/// result overwritten by a later instruction of the same block with no exit in between — in
/// practice most of them: <c>add rcx, 8; cmp rcx, rsi; jb</c>, the ALU chains of a loop body.
/// </remarks>
internal static class FlagLiveness
{
    public static void Analyse(GuestRegion region)
    {
        GuestInstruction[] code = region.Instructions;
        foreach (GuestBlock block in region.Blocks)
        {
            ulong live = InstructionClassifier.Status;
            for (int k = block.First + block.Count - 1; k >= block.First; k--)
            {
                code[k].LiveAfter = live;
                live = (live & ~code[k].FlagsDefined) | code[k].FlagsUsed;
            }
            block.LiveIn = live;
        }
    }
}

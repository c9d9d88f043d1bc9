using Emulator.Core.Memory;
using Iced.Intel;

namespace Emulator.Core.Cpu.Translate;

/// <summary>
/// The decode stage: the instructions reachable from an entry address by fall-through and direct
/// branches without leaving the physical page, cut into blocks. Calls, returns, indirect branches,
/// branches to other pages and instructions the region does not execute end the region there.
/// </summary>
/// <remarks>One region never spans two pages, so dropping a page's code (a store to it, DMA, a
/// freed frame) drops every region that depends on its bytes, and nothing else.</remarks>
internal static class RegionDecoder
{
    /// <summary>
    /// The size budget of one region in units of about 50 bytes of IL (<see cref="Weight"/>): about
    /// 30 KB. The .NET JIT's time grows faster than the method's size, and beyond 60 KB of IL (or 2000
    /// basic blocks) it compiles with MinOpts — locals in memory, several times slower code. Measured
    /// on busybox sort: IL ≈ 52 bytes per instruction + 153 per memory operand + 207 per handler call
    /// + 330 per block; the glibc AVX2 string functions made 80 KB regions before this budget.
    /// </summary>
    internal const int MaxWeight = 600;

    /// <summary>Decodes the region of <paramref name="code"/> entered at <paramref name="entryOffset"/>,
    /// with at most <paramref name="maxInstructions"/> instructions and <see cref="MaxWeight"/>.</summary>
    /// <param name="code">The page's decoded-instruction cache: an instruction it holds is used as
    /// it is, and one decoded here is added to it, so the interpreter and the region always execute
    /// the same decoding of the page (even if it was written behind the cache without an invalidation).</param>
    /// <param name="page">The 4 KiB of the frame now.</param>
    /// <param name="entryOffset">The entry's offset in the page.</param>
    /// <param name="maxInstructions">The size limit.</param>
    public static GuestRegion Decode(CodePage code, byte[] page, int entryOffset, int maxInstructions)
    {
        ulong vaPage = code.VaPage;
        var reader = new ByteArrayCodeReader(page);
        var decoder = Decoder.Create(64, reader, DecoderOptions.None);
        var decoded = new Dictionary<int, GuestInstruction>();
        var leaders = new HashSet<int> { entryOffset };
        var worklist = new Stack<int>();
        worklist.Push(entryOffset);
        int weight = 0;
        while (worklist.Count > 0)
        {
            int offset = worklist.Pop();
            while (!decoded.ContainsKey(offset) && decoded.Count < maxInstructions && weight < MaxWeight)
            {
                Instruction i;
                bool ok = true;
                int slot = code.Slot[offset];
                if (slot != 0)
                {
                    i = code.Instructions[slot - 1];
                }
                else
                {
                    reader.Position = offset;
                    decoder.IP = vaPage + (ulong)offset;
                    decoder.Decode(out i);
                    ok = decoder.LastError == DecoderError.None;
                    if (ok)
                    {
                        code.Add(in i, offset);
                    }
                }
                var g = new GuestInstruction { Instruction = i };
                g.Class = ok ? InstructionClassifier.Classify(in i, out g.FlagsUsed, out g.FlagsDefined) : OpClass.Interpret;
                if (g.Class == OpClass.Interpret)
                {
                    break; // not part of the region; the block before it ends with an exit to the interpreter
                }
                decoded.Add(offset, g);
                weight += Weight(in g);
                int next = offset + i.Length;
                switch (g.Class)
                {
                    case OpClass.Jcc:
                        AddTarget(i.NearBranch64, vaPage, leaders, worklist);
                        if (next < Page.Size)
                        {
                            // A Jcc ending the page falls through to the next page: an exit, not a block.
                            leaders.Add(next);
                            worklist.Push(next);
                        }
                        next = -1;
                        break;
                    case OpClass.Jmp:
                        AddTarget(i.NearBranch64, vaPage, leaders, worklist);
                        next = -1;
                        break;
                    case OpClass.Call:
                    case OpClass.CallIndirect:
                        if (next < Page.Size)
                        {
                            // The return address: not reached inside the region (the call exits),
                            // but a block of its own, entered there when the callee returns
                            // (TranslatedRegion.Entries), so the code after each call is not
                            // translated again as a region of its own.
                            leaders.Add(next);
                            worklist.Push(next);
                        }
                        next = -1;
                        break;
                    case OpClass.JmpIndirect:
                    case OpClass.Ret:
                        next = -1;
                        break;
                }
                if (next < 0 || next >= Page.Size)
                {
                    break;
                }
                offset = next;
            }
        }
        return Build(vaPage, entryOffset, decoded, leaders);
    }

    /// <summary>An instruction's share of <see cref="MaxWeight"/>: 1 (about 50 bytes of IL), more
    /// for a memory operand (the inline micro-TLB path), a handler call (registers and flags
    /// written back and reloaded) and a branch (a block of its own, with its budget and TLB checks).</summary>
    private static int Weight(in GuestInstruction g)
    {
        int w = 1;
        ref readonly Instruction i = ref g.Instruction;
        for (int k = 0; k < i.OpCount; k++)
        {
            if (i.GetOpKind(k) == OpKind.Memory)
            {
                w += 2;
                break;
            }
        }
        if (g.Class == OpClass.Fallback)
        {
            w += 4;
        }
        if (g.Class is OpClass.Jcc or OpClass.Jmp or OpClass.Call or OpClass.CallIndirect or OpClass.JmpIndirect or OpClass.Ret)
        {
            w += 6;
        }
        return w;
    }

    private static void AddTarget(ulong target, ulong vaPage, HashSet<int> leaders, Stack<int> worklist)
    {
        if ((target & ~Page.Mask) == vaPage)
        {
            int offset = (int)(target & Page.Mask);
            leaders.Add(offset);
            worklist.Push(offset);
        }
    }

    private static GuestRegion Build(ulong vaPage, int entryOffset, Dictionary<int, GuestInstruction> decoded, HashSet<int> leaders)
    {
        if (decoded.Count == 0)
        {
            return new GuestRegion(vaPage + (ulong)entryOffset, [], []);
        }
        var offsets = new List<int>(decoded.Keys);
        offsets.Sort();
        // The entry block first, then the others in address order.
        var starts = new List<int>();
        for (int n = 0; n < offsets.Count; n++)
        {
            int off = offsets[n];
            bool start = leaders.Contains(off) || n == 0 || EndsBlock(decoded[offsets[n - 1]].Class)
                || offsets[n - 1] + decoded[offsets[n - 1]].Instruction.Length != off;
            if (start)
            {
                starts.Add(off);
            }
        }
        starts.Remove(entryOffset);
        starts.Insert(0, entryOffset);
        var blockAt = new Dictionary<int, int>();
        for (int b = 0; b < starts.Count; b++)
        {
            blockAt[starts[b]] = b;
        }

        // A list: code that jumps into the middle of an instruction can put one instruction in two blocks.
        var instructions = new List<GuestInstruction>(offsets.Count);
        var blocks = new GuestBlock[starts.Count];
        for (int b = 0; b < starts.Count; b++)
        {
            var block = new GuestBlock { First = instructions.Count, Ip = vaPage + (ulong)starts[b] };
            int off = starts[b];
            while (true)
            {
                GuestInstruction g = decoded[off];
                instructions.Add(g);
                block.Count++;
                int next = off + g.Instruction.Length;
                if (EndsBlock(g.Class))
                {
                    block.End = BlockEnd.Branch;
                    if (g.Class is OpClass.Jcc or OpClass.Jmp)
                    {
                        block.Taken = SuccessorOf(g.Instruction.NearBranch64, vaPage, blockAt);
                    }
                    block.Next = SuccessorOf(vaPage + (ulong)next, vaPage, blockAt);
                    break;
                }
                if (blockAt.ContainsKey(next))
                {
                    block.End = BlockEnd.FallThrough;
                    block.Next = new Successor(blockAt[next], vaPage + (ulong)next);
                    break;
                }
                if (!decoded.ContainsKey(next))
                {
                    // Not decoded: an instruction the region does not execute, the end of the page
                    // (the next instruction starts on the next page) or the size limit.
                    block.End = BlockEnd.Interpret;
                    block.Next = new Successor(-1, vaPage + (ulong)next);
                    break;
                }
                off = next;
            }
            blocks[b] = block;
        }
        return new GuestRegion(vaPage + (ulong)entryOffset, [.. instructions], blocks);
    }

    private static bool EndsBlock(OpClass c) => c is OpClass.Jcc or OpClass.Jmp or OpClass.JmpIndirect
        or OpClass.Call or OpClass.CallIndirect or OpClass.Ret;

    private static Successor SuccessorOf(ulong target, ulong vaPage, Dictionary<int, int> blockAt)
    {
        if ((target & ~Page.Mask) == vaPage && blockAt.TryGetValue((int)(target & Page.Mask), out int b))
        {
            return new Successor(b, target);
        }
        return new Successor(-1, target);
    }
}

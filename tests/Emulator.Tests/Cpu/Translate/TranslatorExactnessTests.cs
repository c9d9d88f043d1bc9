using Emulator.Core;
using Emulator.Core.Cpu;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Paging;
using Emulator.Tests.Mm;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Emulator.Tests.Cpu.Translate;

/// <summary>
/// The exactness cases issue 12 names, each run by the interpreter and by the translator (threshold
/// 1: every block head is compiled when first reached) from identical states: code that rewrites
/// itself, code rewritten behind the CPU's back (as DMA does) or unmapped and mapped again, and a
/// fault in the middle of a block. Both runs must give the same exits and final state, and that
/// state must be the one the architecture defines (checked by hand below).
/// </summary>
public sealed class TranslatorExactnessTests
{
    private const ulong CodeVa = RandomProgram.CodeVa;

    private static byte[] Code(Action<Assembler> build) => CpuRig.Assemble(build, CodeVa);

    /// <summary>Runs <paramref name="code"/> to its end in both modes; returns the two rigs after
    /// checking they agree on every exit and on the final state.</summary>
    private static (ModeRig Interp, ModeRig Jit) Both(byte[] code, Action<CpuState>? init = null, Action<ModeRig>? between = null,
        long[]? budgets = null)
    {
        budgets ??= [1_000_000];
        var interp = new ModeRig(CpuMode.Interpret, code, init: init);
        var jit = new ModeRig(CpuMode.Translate, code, threshold: 1, init: init);
        foreach (ModeRig rig in (ModeRig[])[interp, jit])
        {
            rig.RunToEnd(budgets);
            if (between is not null)
            {
                between(rig);
                rig.RunToEnd(budgets);
            }
        }
        Assert.Equal(interp.Exits, jit.Exits);
        Assert.Equal(interp.Snapshot(), jit.Snapshot());
        return (interp, jit);
    }

    [Fact]
    public void A_store_by_a_handler_call_into_its_own_block_takes_effect_at_the_next_instruction()
    {
        // xchg with memory runs through the interpreter's handler inside the region; it rewrites the
        // immediate of the very next instruction, in the same block.
        byte[] code = Code(a =>
        {
            Label imm = a.CreateLabel(), block = a.CreateLabel();
            a.jmp(block); // the block after a branch is a block head, where regions are entered
            a.Label(ref block);
            a.mov(eax, 0x2222_2222);
            a.xchg(__dword_ptr[imm], eax);
            a.db(0xB9); // mov ecx, imm32
            a.Label(ref imm);
            a.db(0x11, 0x11, 0x11, 0x11);
            a.add(rdx, rcx);
            a.mov(esi, eax);
            a.mov(eax, 60);
            a.syscall();
        });

        var (_, jit) = Both(code, s => s.Rdx = 0);

        Assert.Equal(0x2222_2222UL, jit.Cpu.State.Rdx); // the rewritten immediate ran, not the translated one
        Assert.Equal(0x1111_1111UL, jit.Cpu.State.Rsi); // xchg returned the old bytes
        Assert.True(jit.Cpu.CodeCache.InstructionsTranslated >= 3, $"{jit.Cpu.CodeCache.InstructionsTranslated} translated"); // the block was translated
    }

    [Fact]
    public void A_loop_that_rewrites_an_immediate_ahead_of_it_sees_each_new_value()
    {
        // Ten rounds: store the round number into the immediate of `mov ecx, imm32`, then run it.
        byte[] code = Code(a =>
        {
            Label top = a.CreateLabel(), imm = a.CreateLabel();
            a.xor(edx, edx);
            a.mov(esi, 10);
            a.Label(ref top);
            a.mov(__dword_ptr[imm], esi);
            a.db(0xB9);
            a.Label(ref imm);
            a.db(0, 0, 0, 0);
            a.add(edx, ecx);
            a.dec(esi);
            a.jnz(top);
            a.mov(eax, 60);
            a.syscall();
        });

        var (_, jit) = Both(code);

        Assert.Equal(55UL, jit.Cpu.State.Rdx); // 10 + 9 + ... + 1: every store was seen by the next fetch
    }

    [Fact]
    public void Code_rewritten_behind_the_cpu_and_invalidated_as_dma_does_runs_anew()
    {
        // A hot loop summing 1..n, then the loop body's `add` becomes a `sub` by a write that is not a
        // CPU store (the kernel's copy, or a device's DMA, followed by InvalidateCode as GuestKernel
        // does for DMA); the second run must execute the new bytes.
        byte[] code = SumLoop(sub: false);
        byte[] patched = SumLoop(sub: true);

        var (_, jit) = Both(code, s => s.Rdi = 20, between: rig => Rewrite(rig, patched, remap: false));

        Assert.Equal(unchecked((ulong)-210L), jit.Cpu.State.Rdx); // the second run subtracted 1..20
    }

    [Fact]
    public void Code_on_a_page_unmapped_and_mapped_again_runs_the_new_mapping()
    {
        byte[] code = SumLoop(sub: false);
        byte[] patched = SumLoop(sub: true);

        var (_, jit) = Both(code, s => s.Rdi = 20, between: rig => Rewrite(rig, patched, remap: true));

        Assert.Equal(unchecked((ulong)-210L), jit.Cpu.State.Rdx); // the new page's code ran, not the old translation
    }

    [Fact]
    public void A_fault_in_the_middle_of_a_translated_block_is_precise()
    {
        static void Before(Assembler a)
        {
            a.add(rax, 5);
            a.mov(rcx, rax);
            a.cmp(rcx, 3); // flags set here must be the ones seen at the fault
        }
        byte[] code = Code(a =>
        {
            Before(a);
            a.mov(rdx, __qword_ptr[r12]); // r12 = an unmapped address: #PF, not resolvable
            a.add(rax, 1);
            a.mov(eax, 60);
            a.syscall();
        });

        var (_, jit) = Both(code, s => { s.Rax = 10; s.Rdx = 0xD; s.R12 = RandomProgram.UnmappedVa; });

        CpuState s = jit.Cpu.State;
        Assert.Equal(CodeVa + (ulong)Code(Before).Length, s.Rip); // RIP of the faulting load
        Assert.Equal(15UL, s.Rax);               // earlier instructions of the block took effect...
        Assert.Equal(15UL, s.Rcx);
        Assert.Equal(0xDUL, s.Rdx);              // ...the faulting one did not...
        Assert.Equal(RFlags.None, s.Rflags & (RFlags.ZF | RFlags.CF | RFlags.SF)); // ...and the flags are cmp 15,3's
        Assert.Equal(3L, jit.Cpu.InstructionsRetired); // nor did anything after it
        Assert.StartsWith("PageFault", jit.Exits[^1]);
    }

    [Fact]
    public void A_region_compiled_in_the_background_for_a_page_dropped_meanwhile_is_never_entered()
    {
        var rig = new ModeRig(CpuMode.Translate, SumLoop(sub: false), threshold: 1, init: s => s.Rdi = 50, background: true);
        rig.Step(10); // the loop's head is reached: its region goes to the worker
        Rewrite(rig, SumLoop(sub: true), remap: false); // the page is dropped while (or after) it compiles
        rig.Cpu.CodeCache.WaitForTranslations();

        rig.RunToEnd([1_000_000]);

        // The worker finished the old page's job (compiled, or skipped when it saw the page dead
        // first); either way only the new code ran: −Σ 1..50.
        Assert.Equal(unchecked((ulong)-1275L), rig.Cpu.State.Rdx);
        Assert.StartsWith("Syscall", rig.Exits[^1]);
    }

    [Theory]
    [InlineData(1_000_000L)]
    [InlineData(37L)]
    public void Calls_and_returns_across_pages_chain_regions_and_count_exactly(long budget)
    {
        // A loop on one page calls a function on the next: each call and each return leaves a
        // region for one on the other page, which chaining enters without the dispatcher.
        byte[] code = CallLoop(1000, (a, f) => a.call(f));

        var (interp, jit) = Both(code, budgets: [budget]);

        Assert.Equal(3000UL, jit.Cpu.State.Rsi); // every call ran once
        Assert.Equal(interp.Cpu.InstructionsRetired, jit.Cpu.InstructionsRetired); // and was counted once
        Assert.True(jit.Cpu.ChainedEntries > 1000, $"{jit.Cpu.ChainedEntries} chained entries"); // most transfers skipped the dispatcher
        if (budget > 1000)
        {
            // ...and the calls (a constant target) went through their exit's link, without a lookup.
            Assert.True(jit.Cpu.LinkedEntries > 900, $"{jit.Cpu.LinkedEntries} linked entries");
        }
        Assert.Equal(0, interp.Cpu.ChainedEntries);
    }

    [Theory]
    [InlineData(1_000_000L)]
    [InlineData(29L)]
    public void Return_addresses_and_loop_heads_enter_the_region_already_compiled(long budget)
    {
        var (interp, jit) = Both(CallsTwiceARound(), budgets: [budget]);

        Assert.Equal(500UL * 4 + 250 * 1, jit.Cpu.State.Rsi); // 750 calls of +3, 500 × +1, 250 × −2
        Assert.Equal(interp.Cpu.InstructionsRetired, jit.Cpu.InstructionsRetired);
        if (budget > 1000)
        {
            Assert.Equal(2, jit.Cpu.CodeCache.RegionsTranslated); // the loop's region and f's
        }
    }

    [Fact]
    public void Block_heads_of_a_region_compiling_in_the_background_wait_for_it_instead_of_being_translated_again()
    {
        // Threshold 1: every block head would be submitted at its first arrival; those inside the
        // loop's region, submitted first, are marked covered and get its entries when it lands.
        var rig = new ModeRig(CpuMode.Translate, CallsTwiceARound(), threshold: 1, background: true);
        rig.RunToEnd([1_000_000]);
        rig.Cpu.CodeCache.WaitForTranslations();
        rig.Cpu.CodeCache.InstallCompleted();

        Assert.Equal(500UL * 4 + 250 * 1, rig.Cpu.State.Rsi);
        Assert.Equal(2, rig.Cpu.CodeCache.RegionsTranslated);
    }

    /// <summary>One function calling another on the next page, twice a round: the code after each
    /// call and the loop head are blocks of the caller's region, entered there
    /// (TranslatedRegion.Entries) when a call returns, so only the two functions are ever translated.</summary>
    private static byte[] CallsTwiceARound() => CallLoop(500, (a, f) =>
    {
        Label skip = a.CreateLabel();
        a.call(f);
        a.add(rax, 1);
        a.test(cl, 1);
        a.jz(skip);
        a.call(f);
        a.sub(rax, 2);
        a.Label(ref skip);
    });

    /// <summary>A loop of <paramref name="rounds"/> rounds of <paramref name="body"/> (RCX counts down,
    /// RAX accumulates) that exits with RAX in RSI; <paramref name="body"/> may call f, on the next
    /// page, which adds RDX = 3 to RAX.</summary>
    private static byte[] CallLoop(int rounds, Action<Assembler, Label> body) => Code(a =>
    {
        Label top = a.CreateLabel(), f = a.CreateLabel();
        a.mov(ecx, rounds);
        a.xor(eax, eax);
        a.mov(edx, 3);
        a.Label(ref top);
        body(a, f);
        a.dec(ecx);
        a.jnz(top);
        a.mov(rsi, rax);
        a.mov(eax, 60);
        a.syscall();
        a.db(new byte[0x1000]); // pushes f onto the next page
        a.Label(ref f);
        a.add(rax, rdx);
        a.ret();
    });

    [Fact]
    public void A_cr3_switch_that_keeps_the_tlb_drops_the_translation_caches_of_the_old_address_space()
    {
        // Two processes with different code at the same virtual address, switched with PCIDs and the
        // no-flush hint: the TLB's sequence number does not move, so only the run-to-run check of
        // CR3 stops the micro-TLB, the current code page and the chaining cache (all tagged by
        // virtual address) from running process A's translation in process B.
        foreach (CpuMode mode in (CpuMode[])[CpuMode.Interpret, CpuMode.Translate])
        {
            var rig = new ModeRig(mode, SumLoop(sub: false), threshold: 1, init: s => s.Rdi = 20);
            Assert.Equal(Errno.Ok, rig.Machine.CreateAddressSpace(out AddressSpace? other));
            Assert.Equal(Errno.Ok, other!.Mmap(CodeVa, Page.Size, CpuRig.Rwx, MapFlags.Private | MapFlags.Anonymous | MapFlags.Fixed, out _));
            Assert.Equal(Errno.Ok, other.WriteUser(CodeVa, SumLoop(sub: true), out _));
            Assert.True(rig.Mmu.LoadCr3(rig.Mm.RootPa));
            Assert.True(rig.Mmu.SetPcide(true));
            Assert.True(rig.Mmu.LoadCr3(rig.Mm.RootPa | 1));
            rig.RunToEnd([1_000_000]);
            Assert.Equal(210UL, rig.Cpu.State.Rdx); // process A summed 1..20

            Assert.True(rig.Mmu.LoadCr3(other.RootPa | 2 | (1UL << 63)));
            rig.Cpu.State.Rip = CodeVa;
            rig.RunToEnd([1_000_000]);

            Assert.Equal(unchecked((ulong)-210L), rig.Cpu.State.Rdx); // process B's code ran, not A's translation
        }
    }

    /// <summary>rdx = Σ 1..rdi (or its negation with <paramref name="sub"/>), a loop of one block.</summary>
    private static byte[] SumLoop(bool sub) => Code(a =>
    {
        Label top = a.CreateLabel();
        a.xor(edx, edx);
        a.mov(rcx, rdi);
        a.Label(ref top);
        if (sub)
        {
            a.sub(rdx, rcx);
        }
        else
        {
            a.add(rdx, rcx);
        }
        a.dec(rcx);
        a.jnz(top);
        a.mov(eax, 60);
        a.syscall();
    });

    /// <summary>Replaces the code (through the kernel's write path, then the code-cache
    /// invalidation; or by unmapping the page and mapping a fresh one) and restarts at its start.</summary>
    private static void Rewrite(ModeRig rig, byte[] code, bool remap)
    {
        if (remap)
        {
            Assert.Equal(Errno.Ok, rig.Mm.Munmap(CodeVa, Page.Size));
            Assert.Equal(Errno.Ok, rig.Mm.Mmap(CodeVa, Page.Size, CpuRig.Rwx, MapFlags.Private | MapFlags.Anonymous | MapFlags.Fixed, out _));
            Assert.Equal(Errno.Ok, rig.Mm.WriteUser(CodeVa, code, out _));
        }
        else
        {
            Assert.Equal(Errno.Ok, rig.Mm.WriteUser(CodeVa, code, out _));
            rig.Cpu.InvalidateCode(MmKit.Pfn(rig.Mm, CodeVa) << Page.Shift, Page.Size);
        }
        rig.Cpu.State.Rip = CodeVa;
    }
}

using Emulator.Core.Cpu;
using Emulator.Core.Cpu.Translate;
using Emulator.Core.Memory;
using Emulator.Tests.Support;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Emulator.Tests.Cpu.Translate;

/// <summary>A region is cut to <see cref="RegionDecoder.MaxWeight"/>, so code heavy in handler calls
/// and memory operands (glibc's AVX2 string functions) never makes a method big enough for the .NET
/// JIT to fall back to MinOpts, while plain integer code still fills the instruction limit; and a
/// region the background translator fails on is left to the interpreter without stopping it.</summary>
public sealed class RegionBudgetTests
{
    private const ulong CodeVa = 0x40_0000;

    private static GuestRegion Decode(Action<Assembler> body, CodePage? into = null)
    {
        byte[] code = CpuRig.Assemble(a =>
        {
            body(a);
            a.ret();
        }, CodeVa);
        var page = new byte[Page.Size];
        code.CopyTo(page, 0);
        return RegionDecoder.Decode(into ?? new CodePage(0, 0, CodeVa), page, 0, 400);
    }

    [Fact]
    public void A_region_the_background_translator_fails_on_stays_interpreted_and_the_translator_goes_on()
    {
        var cache = new CodeCache(new PhysicalMemory(16 * Page.Size));
        var page = new CodePage(1, 0, CodeVa);
        var goodPage = new CodePage(2, 0, CodeVa);
        GuestRegion broken = Decode(a => a.add(rax, rcx), page);
        broken.Instructions[0].Class = OpClass.Interpret; // never in a region: the emitter throws
        GuestRegion good = Decode(a => a.add(rax, rdx), goodPage);
        foreach (CodePage p in (CodePage[])[page, goodPage])
        {
            // As the dispatcher leaves a head it submitted.
            p.Regions = new TranslatedRegion?[p.Instructions.Length];
            p.Heat = new ushort[p.Instructions.Length];
            p.Regions[0] = TranslatedRegion.Pending;
        }

        cache.Submit(new TranslationJob(cache, page, 0, broken, 0));
        cache.Submit(new TranslationJob(cache, goodPage, 0, good, 0));
        cache.WaitForTranslations(); // returns: the worker survived the failure
        cache.InstallCompleted();

        Assert.Same(TranslatedRegion.Pending, page.Regions![0]); // the failed entry stays interpreted
        Assert.NotNull(goodPage.Regions![0]!.Run);             // and the next region compiled
        Assert.Equal(1, cache.RegionsTranslated);
    }

    [Fact]
    public void Handler_calls_with_memory_operands_are_cut_to_the_weight_budget()
    {
        GuestRegion region = Decode(a =>
        {
            for (int n = 0; n < 300; n++)
            {
                a.vpcmpeqb(ymm0, ymm1, __ymmword_ptr[rdi + n * 32]); // a handler call with a memory operand
            }
        });
        // Each weighs 1 + 2 (memory) + 4 (handler call): the budget stops the region near 600 / 7.
        Assert.InRange(region.Instructions.Length, RegionDecoder.MaxWeight / 7, RegionDecoder.MaxWeight / 7 + 1);
        Assert.All(region.Instructions, g => Assert.Equal(OpClass.Fallback, g.Class));
    }

    [Fact]
    public void Plain_register_code_fills_the_instruction_limit()
    {
        GuestRegion region = Decode(a =>
        {
            for (int n = 0; n < 450; n++)
            {
                a.add(rax, rcx);
            }
        });
        Assert.Equal(400, region.Instructions.Length);
    }
}

using Emulator.Core;
using Emulator.Core.Cpu;
using Emulator.Core.Cpu.Simd;
using Emulator.Core.Mm;
using Iced.Intel;

namespace Emulator.Tests.Cpu.SimdInteger;

/// <summary>The exceptions of the SIMD integer unit: precise #PF on accesses that cross into a page
/// that is missing or read-only, #GP for misaligned legacy-SSE m128 operands and the aligned moves,
/// #UD for VEX below level v3 and SSE3+ below v2 — and in every case nothing changed.</summary>
public sealed class SimdIntegerFaultTests
{
    private const ulong PageEnd = CpuRig.DataVa + 0x1000;

    /// <summary>Loads and stores of 8, 16 and 32 bytes that start 8 bytes before the end of the one
    /// mapped data page, and MASKMOVDQU with only a byte on the first page selected.</summary>
    public static TheoryData<string> CrossingAccesses() =>
    [
        nameof(Code.Movdqu_xmm_xmmm128), nameof(Code.Movdqu_xmmm128_xmm), nameof(Code.Movups_xmmm128_xmm),
        nameof(Code.Lddqu_xmm_m128), nameof(Code.Pshufb_xmm_xmmm128) + ":v", nameof(Code.VEX_Vpaddb_xmm_xmm_xmmm128),
        nameof(Code.VEX_Vmovdqu_ymm_ymmm256), nameof(Code.VEX_Vmovdqu_ymmm256_ymm), nameof(Code.VEX_Vpxor_ymm_ymm_ymmm256),
        nameof(Code.VEX_Vpmovzxbw_ymm_xmmm128), nameof(Code.Maskmovdqu_rDI_xmm_xmm), nameof(Code.Movq_xmmm64_xmm) + ":4",
        nameof(Code.Pextrq_rm64_xmm_imm8) + ":4", nameof(Code.Movhps_xmm_m64) + ":4", nameof(Code.Movsd_xmmm64_xmm) + ":4",
    ];

    [Theory]
    [MemberData(nameof(CrossingAccesses))]
    public void A_page_fault_on_an_access_crossing_into_a_missing_page_changes_nothing(string form)
    {
        // ":4" = the access starts 4 bytes before the end (an 8-byte operand), ":v" = a legacy
        // instruction whose m128 must be aligned: PSHUFB has no exception, so use the VEX form.
        string[] parts = form.Split(':');
        Code code = Enum.Parse<Code>(parts[0]);
        if (parts.Length > 1 && parts[1] == "v")
        {
            code = Code.VEX_Vpshufb_xmm_xmm_xmmm128;
        }
        ulong start = PageEnd - (parts.Length > 1 && parts[1] == "4" ? 4UL : 8UL);
        var rig = new SimdRig(dataPages: 1) { BufferVa = start };
        SimdState before = SimdIntegerRandomTests.RandomState(new Random(7));
        before.Ymm[3][14] = 0x80;   // MASKMOVDQU: bytes 0 and 14 selected, 0 on the first page
        before.Ymm[3][0] = 0x80;
        byte[] firstPage = new byte[PageEnd - start];
        Array.Fill(firstPage, (byte)0x5A);
        Assert.Equal(Errno.Ok, rig.Mm.WriteUser(start, firstPage, out _));
        rig.Load(new SimdInstruction(code, Memory: true, Imm: 1).Encode(), before, withMemory: false);

        CpuExit exit = rig.Cpu.Run(1);

        // #PF on the first byte of the missing page, RIP on the instruction, no register or byte changed.
        Assert.Equal(CpuExitKind.PageFault, exit.Kind);
        Assert.Equal(PageEnd, exit.FaultAddress);
        Assert.Equal(CpuRig.CodeVa, rig.Cpu.State.Rip);
        Assert.Empty(rig.Save(withMemory: false).Diff(WithoutMemory(before)));
        var after = new byte[firstPage.Length];
        Assert.Equal(Errno.Ok, rig.Mm.ReadUser(start, after, out _));
        Assert.Equal(firstPage, after);
    }

    [Fact]
    public void A_store_crossing_into_a_read_only_page_faults_as_a_write_and_writes_nothing()
    {
        var rig = new SimdRig(dataPages: 2) { BufferVa = PageEnd - 8 };
        Assert.Equal(Errno.Ok, rig.Mm.Mprotect(PageEnd, 0x1000, Protection.Read));
        SimdState before = SimdIntegerRandomTests.RandomState(new Random(8));
        Assert.Equal(Errno.Ok, rig.Mm.WriteUser(PageEnd - 8, new byte[8], out _));
        rig.Load(new SimdInstruction(Code.VEX_Vmovdqu_ymmm256_ymm, Memory: true).Encode(), before, withMemory: false);

        CpuExit exit = rig.Cpu.Run(1);
        if (exit.Kind == CpuExitKind.PageFault && !exit.IsWrite)
        {
            // The read-only page was not yet present: the kernel maps it, the store is retried.
            Assert.Equal(FaultResult.Resolved, rig.Mm.HandleFault(exit.FaultAddress, exit.IsWrite, exit.IsFetch));
            exit = rig.Cpu.Run(1);
        }

        Assert.Equal(CpuExitKind.PageFault, exit.Kind);
        Assert.True(exit.IsWrite);   // a protection fault on the write, at the read-only page
        Assert.Equal(PageEnd, exit.FaultAddress);
        var low = new byte[8];
        Assert.Equal(Errno.Ok, rig.Mm.ReadUser(PageEnd - 8, low, out _));
        Assert.Equal(new byte[8], low);   // the half on the writable page was not stored either
        Assert.Equal(CpuRig.CodeVa, rig.Cpu.State.Rip);
    }

    [Fact]
    public void Legacy_m128_operands_must_be_aligned_except_the_unaligned_moves_and_VEX_only_the_aligned_moves()
    {
        var rig = new SimdRig();
        SimdState state = SimdState.Default();
        int faulted = 0, ran = 0;
        foreach (Code code in SimdIntegerRandomTests.OwnedCodes())
        {
            if (!SimdInstruction.HasRegOrMem(code) && !SimdInstruction.MemoryOnly(code))
            {
                continue;
            }
            var ins = new SimdInstruction(code, Memory: true);
            int size = ins.Build().MemorySize.GetSize();
            int align = SimdIntegerRandomTests.RequiredAlignment(code, size);
            // Misaligned by 8 (by 16 for a 32-byte operand): faults exactly when the SDM requires alignment.
            int disp = size == 32 ? 16 : 8;
            CpuExit exit = rig.Run((ins with { Disp = disp }).Encode(), state, out SimdState after);
            if (align > disp)
            {
                Assert.True(exit.Kind == CpuExitKind.GeneralProtection, $"{ins}: misaligned by {disp}: {exit.Kind}");
                Assert.Empty(after.Diff(state));
                faulted++;
            }
            else
            {
                Assert.True(exit.Kind == CpuExitKind.BudgetExhausted, $"{ins}: misaligned by {disp}: {exit.Kind}");
                ran++;
            }
        }
        Assert.True(faulted > 100 && ran > 100, $"{faulted} faulted, {ran} ran");
    }

    [Fact]
    public void VEX_is_UD_below_v3_and_SSE3_to_SSE4_below_v2()
    {
        var v1 = new SimdRig(CpuLevel.V1);
        var v2 = new SimdRig(CpuLevel.V2);
        SimdState state = SimdState.Default();
        foreach (Code code in SimdIntegerRandomTests.OwnedCodes())
        {
            byte[] bytes = new SimdInstruction(code).Encode();
            bool vex = code.ToOpCode().Encoding == EncodingKind.VEX;
            bool baseline = code.CpuidFeatures().All(f => f is CpuidFeature.SSE or CpuidFeature.SSE2);
            CpuExit atV2 = v2.Run(bytes, state, out SimdState afterV2);
            CpuExit atV1 = v1.Run(bytes, state, out SimdState afterV1);
            // Level v2 runs everything but VEX; v1 runs only the SSE/SSE2 baseline; #UD changes nothing.
            Assert.True((atV2.Kind == CpuExitKind.InvalidOpcode) == vex, $"{code} at v2: {atV2.Kind}");
            Assert.True((atV1.Kind == CpuExitKind.InvalidOpcode) == (vex || !baseline), $"{code} at v1: {atV1.Kind}");
            if (atV1.Kind == CpuExitKind.InvalidOpcode)
            {
                Assert.Empty(afterV1.Diff(state));
            }
        }
    }

    [Fact]
    public void The_unit_owns_no_MMX_EVEX_or_string_form()
    {
        var owned = SimdIntegerRandomTests.OwnedCodes().ToList();
        // 559 codes: the legacy XMM and VEX forms of the mnemonics in the brief, nothing else.
        Assert.Equal(559, owned.Count);
        Assert.DoesNotContain(Code.Movsd_m32_m32, owned);
        Assert.DoesNotContain(owned, c => SimdInstruction.Kinds(c).Any(k => k is OpCodeOperandKind.mm_reg or OpCodeOperandKind.mm_rm or OpCodeOperandKind.mm_or_mem));
        Assert.All(owned, c => Assert.True(c.ToOpCode().Encoding is EncodingKind.Legacy or EncodingKind.VEX, c.ToString()));
        Assert.Equal(owned.Select(c => c.Mnemonic()).Distinct().Order(), Core.Cpu.Cpu.SimdIntegerMnemonics.Order());
    }

    private static SimdState WithoutMemory(SimdState s)
    {
        SimdState c = s.Clone();
        Array.Clear(c.Mem);
        return c;
    }
}

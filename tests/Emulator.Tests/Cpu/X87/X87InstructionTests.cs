using Emulator.Core;
using Emulator.Core.Cpu;
using Emulator.Core.Mm;
using Emulator.Tests.Mm;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Emulator.Tests.Cpu.X87;

/// <summary>What the x87 unit does around the arithmetic: deferred #MF delivery, precise page faults,
/// the environment instructions, level gating.</summary>
public sealed class X87InstructionTests
{
    private const ulong Data = CpuRig.DataVa;

    [Fact]
    public void An_unmasked_exception_is_reported_at_the_next_waiting_instruction()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, Data, 1);
        rig.WriteU64(Data, 0x037B);                         // FCW with ZE unmasked
        Label waiting = default;
        rig.Load(a =>
        {
            a.fldcw(__word_ptr[Data]);
            a.fld1();
            a.fldz();
            a.fdivp(st1, st0);                              // ST(1) = 1 / 0: #Z unmasked, nothing written
            a.fnstsw(ax);                                   // no-wait: runs despite the pending exception
            waiting = a.CreateLabel();
            a.Label(ref waiting);
            a.fadd(st0, st0);                               // waiting: #MF here
            a.syscall();
        });

        CpuExit exit = rig.RunToExit();

        Assert.Equal(CpuExitKind.X87FloatingPoint, exit.Kind);
        ulong faddVa = CpuRig.CodeVa + (ulong)CpuRig.Assemble(a => { a.fldcw(__word_ptr[Data]); a.fld1(); a.fldz(); a.fdivp(st1, st0); a.fnstsw(ax); }, CpuRig.CodeVa).Length;
        Assert.Equal(faddVa, exit.Rip);                     // RIP is the waiting instruction, not the divide
        Assert.Equal(faddVa, rig.S.Rip);
        Assert.Equal(0xB084UL, rig.S.Rax & 0xFFFF);         // FNSTSW saw B, ES and ZE, TOP = 6 (no pop)
        Assert.Equal(0xB084, rig.S.Fpu.StatusWord);         // the fadd did nothing
        Assert.Equal(0x1FFF, rig.S.Fpu.TagWord);            // R7 valid (1), R6 zero (0): not popped, not replaced

        // The handler (the kernel's signal delivery) clears the flags; the instruction then runs.
        rig.S.Fpu.StatusWord &= 0x7F00;
        rig.RunToSyscall();
    }

    [Fact]
    public void Fwait_delivers_a_pending_exception_and_fnclex_discards_it()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, Data, 1);
        rig.WriteU64(Data, 0x037E);                         // IE unmasked
        rig.Load(a =>
        {
            a.fldcw(__word_ptr[Data]);
            a.fld1();
            a.fchs();
            a.fsqrt();                                      // √−1: #IA pending, ST(0) unchanged
            a.wait();
            a.syscall();
        });
        Assert.Equal(CpuExitKind.X87FloatingPoint, rig.RunToExit().Kind); // at the fwait
        Assert.Equal(0xBFFF, rig.S.Fpu.SignExponent[7]);    // −1 was not replaced by the indefinite

        var clean = new CpuRig();
        MmKit.MapAt(clean.Mm, Data, 1);
        clean.WriteU64(Data, 0x037E);
        clean.Load(a =>
        {
            a.fldcw(__word_ptr[Data]);
            a.fld1();
            a.fchs();
            a.fsqrt();
            a.fnclex();                                     // no-wait: clears IE, ES and B without #MF
            a.wait();
            a.fld1();
            a.syscall();
        });
        clean.RunToSyscall();                               // nothing pending after fnclex
        Assert.Equal(0x3000, clean.S.Fpu.StatusWord);       // TOP = 6, no flag
    }

    [Fact]
    public void Unmasking_a_flag_with_fldcw_makes_it_pending()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, Data, 1);
        rig.WriteU64(Data, 0x037B);
        rig.Load(a =>
        {
            a.fld1();
            a.fldz();
            a.fdivp(st1, st0);                              // masked: ZE set, ∞ delivered
            a.fldcw(__word_ptr[Data]);                      // unmask ZE: ES and B set (as on the host)
            a.fnstsw(ax);
            a.fld1();                                       // #MF
            a.syscall();
        });
        Assert.Equal(CpuExitKind.X87FloatingPoint, rig.RunToExit().Kind);
        Assert.Equal(0xB884UL, rig.S.Rax & 0xFFFF);
    }

    [Fact]
    public void A_store_to_a_missing_page_faults_before_anything_changes_and_then_completes()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, Data, 1);                       // the VMA exists, the page is not present yet
        rig.Load(a =>
        {
            a.fldpi();
            a.fstp(__qword_ptr[Data + 8]);
            a.syscall();
        });

        CpuExit first = rig.Cpu.Run(100);

        Assert.Equal(CpuExitKind.PageFault, first.Kind);
        Assert.Equal(CpuRig.CodeVa + 2, first.Rip);         // the fstp (fldpi is 2 bytes)
        Assert.Equal(7, rig.S.Fpu.Top);                     // not popped
        Assert.Equal(0x3800, rig.S.Fpu.StatusWord);         // no flag raised yet (PE comes with the store)
        Assert.Equal(FaultResult.Resolved, rig.Mm.HandleFault(first.FaultAddress, first.IsWrite, first.IsFetch));
        rig.RunToSyscall();
        Assert.Equal(BitConverter.DoubleToUInt64Bits(Math.PI), rig.ReadU64(Data + 8));
        Assert.Equal(0x0020, rig.S.Fpu.StatusWord);         // popped (TOP = 0); PE: π is inexact in binary64
    }

    [Fact]
    public void Fnstenv_masks_every_exception_and_fldenv_restores_the_environment()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, Data, 1);
        rig.WriteU64(Data + 64, 0x0C60);                    // RC toward zero, 24-bit precision, only PE masked
        rig.Load(a =>
        {
            a.fldcw(__word_ptr[Data + 64]);
            a.fld1();
            a.fnstenv(__[Data]);
            a.fnstcw(__word_ptr[Data + 72]);
            a.fldenv(__[Data]);
            a.fnstcw(__word_ptr[Data + 80]);
            a.syscall();
        });
        rig.RunToSyscall();
        Assert.Equal(0x0C7FUL, rig.ReadU64(Data + 72) & 0xFFFF); // after FNSTENV: every mask set
        Assert.Equal(0x0C60UL, rig.ReadU64(Data + 80) & 0xFFFF); // FLDENV brought the stored FCW back
        Assert.Equal(0xFFFF_0C60UL, rig.ReadU64(Data) & 0xFFFF_FFFF); // 28-byte layout: reserved half 0xFFFF
        Assert.Equal(0x3800UL, (rig.ReadU64(Data) >> 32) & 0xFFFF);   // FSW with TOP = 7
        Assert.Equal(0x3FFFUL, rig.ReadU64(Data + 8) & 0xFFFF);       // tag word: R7 valid, the rest empty
    }

    [Fact]
    public void Fop_fip_and_fdp_describe_the_last_non_control_instruction()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, Data, 1);
        rig.WriteU64(Data + 8, BitConverter.DoubleToUInt64Bits(2.5));
        rig.Load(a =>
        {
            a.mov(rsi, Data);
            a.fld1();
            a.fadd(__qword_ptr[rsi + 8]);                    // DC 46 08
            a.fnstenv(__[Data + 64]);
            a.fchs();                                        // D9 E0
            a.fnstcw(__word_ptr[Data + 128]);                // a control instruction: FOP keeps fchs
            a.fnstenv(__[Data + 96]);
            a.fld1();
            a.faddp(st2, st0);                               // DE C2
            a.fnstenv(__[Data + 160]);
            a.syscall();
        });
        rig.RunToSyscall();
        Assert.Equal(0x6C2UL, (rig.ReadU64(Data + 160 + 16) >> 16) & 0x7FF);    // FOP: DE → 6, C0 + 2
        ulong faddVa = CpuRig.CodeVa + 10 + 2;               // after mov rsi, imm64 and fld1
        Assert.Equal((uint)faddVa, (uint)rig.ReadU64(Data + 64 + 12));          // FIP: the fadd
        Assert.Equal(0x446UL, (rig.ReadU64(Data + 64 + 16) >> 16) & 0x7FF);     // FOP: DC → 4, ModR/M 46
        Assert.Equal((uint)(Data + 8), (uint)rig.ReadU64(Data + 64 + 20));     // FDP: the operand
        Assert.Equal(0x1E0UL, (rig.ReadU64(Data + 96 + 16) >> 16) & 0x7FF);     // FOP: D9 → 1, E0 (FNSTCW left it)
        Assert.Equal(0u, (uint)rig.ReadU64(Data + 96 + 20));                   // FDP: no memory operand
    }

    [Fact]
    public void Fisttp_is_sse3_and_undefined_at_level_v1()
    {
        byte[] code = CpuRig.Assemble(a => { a.fld1(); a.fisttp(__dword_ptr[Data]); a.syscall(); }, CpuRig.CodeVa);
        foreach (CpuLevel level in new[] { CpuLevel.V1, CpuLevel.V2 })
        {
            var rig = new CpuRig();
            MmKit.MapAt(rig.Mm, Data, 1);
            rig.WriteU64(Data, 0);
            rig.Load(a => a.db(code));
            var cpu = new Core.Cpu.Cpu(rig.Mmu, new CpuOptions { Level = level });
            rig.S.CopyTo(cpu.State);
            CpuExit exit = cpu.Run(100);
            Assert.Equal(level == CpuLevel.V1 ? CpuExitKind.InvalidOpcode : CpuExitKind.Syscall, exit.Kind);
        }
    }

    [Fact]
    public void The_unit_claims_no_integer_mnemonic()
    {
        var integer = new HashSet<Mnemonic>(Core.Cpu.Cpu.IntegerMnemonics);
        Assert.DoesNotContain(Core.Cpu.Cpu.X87Mnemonics, integer.Contains);
        Assert.Equal(Core.Cpu.Cpu.X87Mnemonics.Length, Core.Cpu.Cpu.X87Mnemonics.Distinct().Count());
    }
}

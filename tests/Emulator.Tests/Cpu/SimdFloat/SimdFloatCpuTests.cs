using System.Runtime.Intrinsics;
using Emulator.Core;
using Emulator.Core.Cpu;
using Emulator.Tests.Mm;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Emulator.Tests.Cpu.SimdFloat;

/// <summary>
/// What the host probe cannot see: precise page faults around floating-point instructions (nothing,
/// MXCSR included, changes before a #PF), RIP at an #XM, the x87→MMX transition of the MMX-form
/// conversions, the level gating of SSE3/SSE4.1, and the string CMPSD still reaching the integer
/// core while the SSE2 CMPSD reaches this unit.
/// </summary>
public sealed class SimdFloatCpuTests
{
    private static Vector128<byte> Single(uint lane0) => Vector128.CreateScalar(lane0).AsByte();

    [Fact]
    public void A_page_fault_on_the_memory_operand_changes_nothing_and_the_instruction_restarts()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, CpuRig.DataVa, 1);   // mapped, not yet faulted in
        rig.Load(a =>
        {
            a.mov(rbx, CpuRig.DataVa);
            a.divps(xmm0, __xmmword_ptr[rbx]);
            a.syscall();
        });
        rig.S.SetXmm(0, Vector128.Create(1f).AsByte());
        rig.S.Mxcsr = 0x1F80;

        CpuExit exit = rig.Cpu.Run(10);

        // The #PF arrives before any flag or register changes; RIP is the divps.
        Assert.Equal(CpuExitKind.PageFault, exit.Kind);
        Assert.Equal(CpuRig.CodeVa + 10, exit.Rip);
        Assert.Equal(Vector128.Create(1f).AsByte(), rig.S.GetXmm(0));
        Assert.Equal(0x1F80u, rig.S.Mxcsr);
        // Resolved, the instruction runs again: 1 / 0 in every lane (the page is zero) reports ZE.
        rig.RunToSyscall();
        Assert.Equal(Vector128.Create(float.PositiveInfinity).AsByte(), rig.S.GetXmm(0));
        Assert.Equal(0x1F84u, rig.S.Mxcsr);
    }

    [Fact]
    public void A_store_form_translates_before_it_reports_exceptions()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, CpuRig.DataVa, 1);
        rig.Load(a =>
        {
            a.mov(rbx, CpuRig.DataVa);
            a.vcvtps2ph(__qword_ptr[rbx], xmm1, 0);
            a.syscall();
        });
        rig.S.SetXmm(1, Single(0x3F800001));   // 1 + 2^-23: inexact in binary16
        rig.S.Mxcsr = 0x0F80;                  // PE unmasked

        CpuExit first = rig.Cpu.Run(10);

        // #PF first: MXCSR untouched.
        Assert.Equal(CpuExitKind.PageFault, first.Kind);
        Assert.Equal(0x0F80u, rig.S.Mxcsr);
        CpuExit second = rig.RunToExit();
        // Then the unmasked PE: #XM at the instruction, PE set, memory not written.
        Assert.Equal(CpuExitKind.SimdFloatingPoint, second.Kind);
        Assert.Equal(CpuRig.CodeVa + 10, second.Rip);
        Assert.Equal(CpuRig.CodeVa + 10, rig.S.Rip);
        Assert.Equal(0x0FA0u, rig.S.Mxcsr);
        Assert.Equal(0UL, rig.ReadU64(CpuRig.DataVa));
        // Masked, it completes with the rounded value (1.0 = 3c00) and the flag.
        rig.S.Mxcsr = 0x1F80;
        rig.RunToSyscall();
        Assert.Equal(0x3C00UL, rig.ReadU64(CpuRig.DataVa));
        Assert.Equal(0x1FA0u, rig.S.Mxcsr);
    }

    [Fact]
    public void Stmxcsr_to_a_read_only_page_faults_without_writing()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, CpuRig.DataVa, 1, Core.Mm.Protection.Read);
        rig.Load(a =>
        {
            a.mov(rbx, CpuRig.DataVa);
            a.stmxcsr(__dword_ptr[rbx]);
            a.syscall();
        });

        CpuExit exit = rig.RunToExit();

        Assert.Equal(CpuExitKind.PageFault, exit.Kind);
        Assert.True(exit.IsWrite);
        Assert.Equal(CpuRig.CodeVa + 10, exit.Rip);
    }

    [Fact]
    public void Mmx_form_conversions_make_the_x87_to_mmx_transition()
    {
        var rig = new CpuRig();
        rig.Load(a =>
        {
            a.cvtps2pi(mm3, xmm1);
            a.syscall();
        });
        rig.S.SetXmm(1, Vector128.Create(2.5f, -1f, 0, 0).AsByte());
        rig.S.Fpu.StatusWord = 5 << 11;   // TOP = 5
        rig.S.Fpu.TagWord = 0xFFFF;       // all empty

        rig.RunToSyscall();

        // TOP = 0, every tag valid, MM3 written with sign/exponent all ones (SDM Vol. 1 §9.5.1).
        Assert.Equal(0, rig.S.Fpu.Top);
        Assert.Equal(0, rig.S.Fpu.TagWord);
        Assert.Equal(0xFFFF_FFFF_0000_0002UL, rig.S.Fpu.Significand[3]);   // 2.5 -> 2, -1
        Assert.Equal((ushort)0xFFFF, rig.S.Fpu.SignExponent[3]);
    }

    [Fact]
    public void Cvtpi2pd_from_memory_leaves_the_x87_state_alone()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, CpuRig.DataVa, 1);
        rig.WriteU64(CpuRig.DataVa, 0xFFFF_FFFF_0000_0007);
        rig.Load(a =>
        {
            a.mov(rbx, CpuRig.DataVa);
            a.cvtpi2pd(xmm0, __qword_ptr[rbx]);
            a.cvtpi2pd(xmm1, mm2);
            a.syscall();
        });
        rig.S.Fpu.StatusWord = 5 << 11;
        rig.S.Fpu.TagWord = 0xFFFF;

        rig.Cpu.Run(2);

        // The memory form is not an MMX instruction (SDM Vol. 2A CVTPI2PD)...
        Assert.Equal(Vector128.Create(7d, -1d).AsByte(), rig.S.GetXmm(0));
        Assert.Equal(5, rig.S.Fpu.Top);
        Assert.Equal(0xFFFF, rig.S.Fpu.TagWord);
        // ... the register form is.
        rig.RunToSyscall();
        Assert.Equal(0, rig.S.Fpu.Top);
        Assert.Equal(0, rig.S.Fpu.TagWord);
    }

    [Theory]
    [InlineData(CpuLevel.V1, "haddps", true)]     // SSE3
    [InlineData(CpuLevel.V1, "roundss", true)]    // SSE4.1
    [InlineData(CpuLevel.V1, "dppd", true)]
    [InlineData(CpuLevel.V1, "addsubpd", true)]
    [InlineData(CpuLevel.V1, "addps", false)]     // SSE: the baseline
    [InlineData(CpuLevel.V1, "cvtsd2si", false)]  // SSE2
    [InlineData(CpuLevel.V2, "haddps", false)]
    [InlineData(CpuLevel.V2, "vaddps", true)]     // AVX needs v3
    [InlineData(CpuLevel.V2, "vfmadd231ps", true)]
    [InlineData(CpuLevel.V2, "vcvtph2ps", true)]
    [InlineData(CpuLevel.V3, "vcvtph2ps", false)]
    public void Extensions_beyond_the_level_are_invalid_opcodes(CpuLevel level, string mnemonic, bool invalid)
    {
        Code code = mnemonic switch
        {
            "haddps" => Code.Haddps_xmm_xmmm128,
            "roundss" => Code.Roundss_xmm_xmmm32_imm8,
            "dppd" => Code.Dppd_xmm_xmmm128_imm8,
            "addsubpd" => Code.Addsubpd_xmm_xmmm128,
            "addps" => Code.Addps_xmm_xmmm128,
            "cvtsd2si" => Code.Cvtsd2si_r32_xmmm64,
            "vaddps" => Code.VEX_Vaddps_xmm_xmm_xmmm128,
            "vfmadd231ps" => Code.VEX_Vfmadd231ps_xmm_xmm_xmmm128,
            _ => Code.VEX_Vcvtph2ps_xmm_xmmm64,
        };
        var probe = new EmulatorProbe(level);
        var input = new ProbeState { Code = SimdForms.EncodeFixed(code, memory: false, 0, 0) };

        ProbeState result = probe.Run(input);

        Assert.Equal(invalid ? ProbeState.Outcome.InvalidOpcode : ProbeState.Outcome.Completed, result.Fault);
    }

    [Fact]
    public void String_cmpsd_and_sse2_cmpsd_share_a_mnemonic_and_both_run()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, CpuRig.DataVa, 1);
        rig.WriteU64(CpuRig.DataVa, 0x0000_0005_0000_0005);
        rig.Load(a =>
        {
            a.mov(rsi, CpuRig.DataVa);
            a.lea(rdi, __[rsi + 4]);
            a.cmpsd();                                     // string compare: equal, RSI/RDI += 4
            a.cmpsd(xmm0, xmm1, 0);                        // SSE2: equal → all ones
            a.syscall();
        });
        rig.S.SetXmm(0, Vector128.Create(1d, 9d).AsByte());
        rig.S.SetXmm(1, Vector128.Create(1d, 0d).AsByte());

        rig.RunToSyscall();

        Assert.True((rig.S.Rflags & RFlags.ZF) != 0);
        Assert.Equal(CpuRig.DataVa + 4, rig.S.Rsi);
        Assert.Equal(Vector128.Create(ulong.MaxValue, BitConverter.DoubleToUInt64Bits(9d)).AsByte(), rig.S.GetXmm(0));
    }
}

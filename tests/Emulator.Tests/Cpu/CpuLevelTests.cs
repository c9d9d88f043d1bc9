using Emulator.Core.Cpu;
using Iced.Intel;

namespace Emulator.Tests.Cpu;

/// <summary>What each CPU level reports and executes in the integer core: CPUID's feature bits, the
/// v2-only LAHF/SAHF, and the reserved-NOP hint space.</summary>
public sealed class CpuLevelTests
{
    private static CpuExit RunAt(CpuLevel level, Action<Assembler> code, out CpuState state)
    {
        var rig = new CpuRig();
        rig.Load(code);
        var cpu = new Core.Cpu.Cpu(rig.Mmu, new CpuOptions { Level = level, Frames = rig.Machine.Frames });
        rig.S.CopyTo(cpu.State);
        var exit = cpu.Run(10);
        state = cpu.State;
        return exit;
    }

    [Theory]
    [InlineData(CpuLevel.V1)]
    [InlineData(CpuLevel.V2)]
    [InlineData(CpuLevel.V3)]
    public void Cpuid_leaf1_reports_clflush_and_the_baseline_at_every_level(CpuLevel level)
    {
        RunAt(level, a => { a.mov(Iced.Intel.AssemblerRegisters.eax, 1); a.cpuid(); a.int3(); }, out var s);
        Assert.Equal(CpuFeatures.Leaf1Edx(level), (uint)s.Rdx);
        Assert.NotEqual(0u, (uint)s.Rdx & CpuFeatures.Clfsh);          // clflush executes at every level
        Assert.Equal(8u, ((uint)s.Rbx >> 8) & 0xff);                   // with a 64-byte line
        Assert.Equal(level >= CpuLevel.V2, ((uint)s.Rcx & CpuFeatures.Sse42) != 0);
        Assert.Equal(level >= CpuLevel.V3, ((uint)s.Rcx & CpuFeatures.Avx) != 0);
    }

    [Theory]
    [InlineData(CpuLevel.V1, CpuExitKind.InvalidOpcode)]
    [InlineData(CpuLevel.V2, CpuExitKind.Breakpoint)]
    public void Lahf_in_64_bit_mode_needs_v2(CpuLevel level, CpuExitKind expected)
    {
        var exit = RunAt(level, a => { a.lahf(); a.int3(); }, out _);
        Assert.Equal(expected, exit.Kind);   // CPUID.80000001H:ECX.LAHF-SAHF is reported from v2 only
    }

    [Fact]
    public void The_reserved_nop_space_executes_as_nop()
    {
        // 0F 19 /0 with a memory operand that is never accessed, then int3.
        var rig = new CpuRig();
        rig.Load(a => a.db(0x0F, 0x19, 0x00, 0xCC));
        rig.S.Rax = 0xdead_0000; // unmapped: a hint NOP must not touch it
        var exit = rig.Cpu.Run(10);
        Assert.Equal(CpuExitKind.Breakpoint, exit.Kind);
    }
}

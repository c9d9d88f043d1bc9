using Emulator.Core.Cpu;
using Iced.Intel;
using Xunit.Abstractions;

namespace Emulator.Tests.Cpu.VectorExtra;

/// <summary>
/// CpuLevel gating of instructions the integer core runs (<c>Data/levels.txt</c>), and a differential
/// test proving that TZCNT/LZCNT at v2 behave exactly as BSF/BSR do on the host processor.
/// </summary>
public sealed class LevelGatingTests(ITestOutputHelper output)
{
    private const string File = "levels.txt";

    public static TheoryData<VectorCase> Cases() => VectorTable.Cases(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Instruction_matches_the_table(VectorCase c) => VectorRig.Check(c);

    [HostCpuFact("bmi1", "abm")]
    public void Table_lines_at_v3_match_the_host_processor() => VectorTable.CrossCheck(File, output);

    /// <summary>At v2 the emulator runs F3 0F BC/BD; the host runs plain BSF/BSR (0F BC/BD) on the same
    /// operands. Results and ZF (the only flag BSF/BSR define) must agree, zero sources included. The
    /// 32-bit zero-source case starts with the upper half of RAX clear: AMD leaves it as it was, Intel
    /// clears it, and the emulator follows Intel.</summary>
    [GccFact]
    public void Tzcnt_and_lzcnt_at_v2_match_bsf_and_bsr_on_the_host()
    {
        const int seed = 0x1e7e1;
        var r = new Random(seed);
        var emuRuns = new List<ProbeRun>();
        var hostRuns = new List<ProbeRun>();
        (Code Gated, Code Plain)[] pairs =
        [
            (Code.Tzcnt_r64_rm64, Code.Bsf_r64_rm64), (Code.Tzcnt_r32_rm32, Code.Bsf_r32_rm32), (Code.Tzcnt_r16_rm16, Code.Bsf_r16_rm16),
            (Code.Lzcnt_r64_rm64, Code.Bsr_r64_rm64), (Code.Lzcnt_r32_rm32, Code.Bsr_r32_rm32), (Code.Lzcnt_r16_rm16, Code.Bsr_r16_rm16),
        ];
        foreach ((Code gated, Code plain) in pairs)
        {
            int width = gated.ToString().Contains("64", StringComparison.Ordinal) ? 64 : gated.ToString().Contains("32", StringComparison.Ordinal) ? 32 : 16;
            Register dst = width == 64 ? Register.RAX : width == 32 ? Register.EAX : Register.AX;
            Register src = width == 64 ? Register.RCX : width == 32 ? Register.ECX : Register.CX;
            for (int n = 0; n < 64; n++)
            {
                var input = new ProbeState { Flags = (ulong)r.NextInt64() & (ulong)RFlags.Status };
                input.Gpr[0] = (ulong)r.NextInt64();
                input.Gpr[1] = n < 8 ? 0 : (ulong)r.NextInt64() >> r.Next(64);
                if (width == 32 && (uint)input.Gpr[1] == 0)
                {
                    input.Gpr[0] &= 0xFFFF_FFFF;
                }
                ulong mask = (ulong)RFlags.ZF;
                emuRuns.Add(ProbeRun.Of(Instruction.Create(gated, dst, src), input, mask));
                hostRuns.Add(ProbeRun.Of(Instruction.Create(plain, dst, src), input, mask));
            }
        }
        ProbeState[] host = HostProbe.Run([.. hostRuns.Select(h => (h.Code, h.Input))]);
        var rig = new VectorRig(CpuLevel.V2);
        var failures = new List<string>();
        for (int k = 0; k < emuRuns.Count; k++)
        {
            CpuExit exit = rig.Run(emuRuns[k].Code, emuRuns[k].Input, out ProbeState emu);
            Assert.Equal(CpuExitKind.BudgetExhausted, exit.Kind);
            List<string> diff = host[k].Diff(emu, emuRuns[k].FlagMask);
            if (diff.Count > 0)
            {
                failures.Add($"{emuRuns[k].Description} at v2 vs host {hostRuns[k].Description}: {string.Join("; ", diff)}");
            }
        }
        output.WriteLine($"{emuRuns.Count} cases (seed {seed:x})");
        Assert.True(failures.Count == 0, $"seed {seed:x}\n" + string.Join("\n", failures));
    }
}

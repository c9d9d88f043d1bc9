using Emulator.Core.Cpu;
using Emulator.Core.Cpu.Simd;
using Emulator.Tests.Trace;

namespace Emulator.Tests.Cpu.SimdInteger;

/// <summary>Every case of <c>Data/simd-integer.txt</c> on the emulator: the whole state after the
/// instruction (all sixteen YMM registers, so kept or zeroed upper halves show, the GPRs, the
/// status flags and the memory buffer) equals the table's, or the instruction raises the table's
/// exception and changes nothing. A failure names the data line.</summary>
public sealed class SimdIntegerTableTests
{
    internal static string DataPath => Path.Combine(CorpusTests.RepoRoot(), "tests", "Emulator.Tests", "Cpu", "SimdInteger", "Data", SimdCase.File);

    public static TheoryData<SimdCase> Cases()
    {
        var data = new TheoryData<SimdCase>();
        foreach (var c in SimdCase.Load(DataPath))
        {
            data.Add(c);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Instruction_matches_the_table(SimdCase c)
    {
        var rig = new SimdRig(c.Level);

        CpuExit exit = rig.Run(c.Instruction.Encode(), c.Input, out SimdState after);

        if (c.Fault is CpuExitKind fault)
        {
            // A fault: the exception the table names, RIP still on the instruction, nothing changed.
            Assert.True(exit.Kind == fault, $"{c}: expected {fault}, got {exit}");
            Assert.Equal(CpuRig.CodeVa, rig.Cpu.State.Rip);
            Assert.Empty(after.Diff(c.Input));
            return;
        }
        Assert.True(exit.Kind == CpuExitKind.BudgetExhausted, $"{c}: {exit}");
        List<string> diff = after.Diff(c.Expected!);
        Assert.True(diff.Count == 0, $"{c}:\n{string.Join("\n", diff)}");
    }

    [Fact]
    public void Table_has_a_case_for_every_lane_operation_and_every_operand_form()
    {
        var cases = SimdCase.Load(DataPath).ToList();
        var forms = cases.Select(c => SimdIntegerTable.Entries[(int)c.Instruction.Code].Form).ToHashSet();
        var ops = cases.Select(c => SimdIntegerTable.Entries[(int)c.Instruction.Code].Op).ToHashSet();
        // Each executor and each lane operation is pinned by at least one hand-checked line.
        var missingForms = Enum.GetValues<SimdIntForm>().Where(f => f != SimdIntForm.None && !forms.Contains(f)).ToList();
        var missingOps = Enum.GetValues<LaneOp>().Where(o => o != LaneOp.None && !ops.Contains(o)).ToList();
        Assert.True(missingForms.Count == 0, $"no case for the forms {string.Join(", ", missingForms)}");
        Assert.True(missingOps.Count == 0, $"no case for the lane operations {string.Join(", ", missingOps)}");
        // Both encodings and both widths appear.
        Assert.Contains(cases, c => c.Instruction.Code.ToString().StartsWith("VEX_", StringComparison.Ordinal) && c.Instruction.Code.ToString().Contains("ymm", StringComparison.Ordinal));
    }
}

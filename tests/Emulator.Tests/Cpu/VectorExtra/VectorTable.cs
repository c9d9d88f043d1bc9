using Emulator.Core.Cpu;
using Xunit.Abstractions;

namespace Emulator.Tests.Cpu.VectorExtra;

/// <summary>What every VectorExtra table test does: feed a data file's lines to a theory, and run
/// the same lines on the host processor to prove table = silicon.</summary>
internal static class VectorTable
{
    public static TheoryData<VectorCase> Cases(string file)
    {
        var data = new TheoryData<VectorCase>();
        foreach (VectorCase c in VectorCase.Load(file))
        {
            data.Add(c);
        }
        return data;
    }

    /// <summary>Runs every non-faulting level-v3 case of <paramref name="file"/> on the host and asserts
    /// the host's final state is the table's (the compared flags, every register, the window).</summary>
    public static void CrossCheck(string file, ITestOutputHelper output, bool compareMm = true)
    {
        List<VectorCase> cases = [.. VectorCase.Load(file).Where(c => c.Exit is null && c.Level == CpuLevel.V3)];
        ProbeState[] host = HostProbe.Run([.. cases.Select(c => (ProbeInstruction.Encode(c.Instruction, VectorRig.CodeVa), c.Input))]);
        var failures = new List<string>();
        for (int k = 0; k < cases.Count; k++)
        {
            List<string> diff = cases[k].Expected.Diff(host[k], cases[k].FlagMask, compareMm);
            if (diff.Count > 0)
            {
                failures.Add($"{cases[k]}: table vs host: {string.Join("; ", diff)}");
            }
        }
        output.WriteLine($"{cases.Count} cases of {file} run on the host processor");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>Runs each case on the emulator and on the host and asserts the final states are
    /// identical (the flags in each case's mask). Returns how many cases ran.</summary>
    public static int Differential(IReadOnlyList<ProbeRun> cases, int seed, CpuLevel level = CpuLevel.V3)
    {
        ProbeState[] host = HostProbe.Run([.. cases.Select(c => (c.Code, c.Input))]);
        var rig = new VectorRig(level);
        var failures = new List<string>();
        for (int k = 0; k < cases.Count && failures.Count < 20; k++)
        {
            CpuExit exit = rig.Run(cases[k].Code, cases[k].Input, out ProbeState emu);
            if (exit.Kind != CpuExitKind.BudgetExhausted)
            {
                failures.Add($"{cases[k].Description}: emulator exit {exit}");
                continue;
            }
            List<string> diff = host[k].Diff(emu, cases[k].FlagMask);
            if (diff.Count > 0)
            {
                failures.Add($"{cases[k].Description}: host vs emulator: {string.Join("; ", diff)}");
            }
        }
        Assert.True(failures.Count == 0, $"seed 0x{seed:x}:\n" + string.Join("\n", failures));
        return cases.Count;
    }
}

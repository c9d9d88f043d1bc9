using Emulator.Core.Cpu;
using Emulator.Tests.Trace;

namespace Emulator.Tests.Cpu;

/// <summary>Every case of <c>Data/flags.txt</c> on the emulator: one instruction, the full RAX (and
/// RDX where given) and the SDM-defined flags. A failure names the data line.</summary>
public sealed class FlagsTableTests
{
    internal static string DataPath => Path.Combine(CorpusTests.RepoRoot(), "tests", "Emulator.Tests", "Cpu", "Data", FlagCase.File);

    public static TheoryData<FlagCase> Cases()
    {
        var data = new TheoryData<FlagCase>();
        foreach (var c in FlagCase.Load(DataPath))
        {
            data.Add(c);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Instruction_matches_the_table(FlagCase c)
    {
        var rig = new CpuRig(stackPages: 1);
        rig.Load(a => a.db(FlagForms.Encode(c, CpuRig.CodeVa)));
        rig.WriteU64(CpuRig.StackTop - 8, 0);   // the stack page present, for pushfq/popfq
        rig.S.Rax = c.Rax;
        rig.S.Rcx = c.Rcx;
        rig.S.Rdx = c.Rdx;
        rig.S.Rflags = RFlags.InitialUser | (RFlags)c.FlagsIn;

        CpuExit exit = rig.Cpu.Run(FlagForms.Build(c).Length);

        if (c.DivideError)
        {
            // #DE is a fault: nothing changed, RIP still at the divide.
            Assert.True(exit.Kind == CpuExitKind.DivideError, $"{c}: expected #DE, got {exit}");
            Assert.Equal(CpuRig.CodeVa, rig.S.Rip);
            Assert.Equal(c.Rax, rig.S.Rax);
            Assert.Equal(c.Rdx, rig.S.Rdx);
            return;
        }
        Assert.True(exit.Kind == CpuExitKind.BudgetExhausted, $"{c}: {exit}");
        Assert.True(c.ExpectRax == rig.S.Rax, $"{c}: rax expected {c.ExpectRax:x} got {rig.S.Rax:x}");
        if (c.ExpectRdx is ulong rdx)
        {
            Assert.True(rdx == rig.S.Rdx, $"{c}: rdx expected {rdx:x} got {rig.S.Rdx:x}");
        }
        if (c.ExpectRcx is ulong rcx)
        {
            Assert.True(rcx == rig.S.Rcx, $"{c}: rcx expected {rcx:x} got {rig.S.Rcx:x}");
        }
        ulong defined = FlagForms.Defined(c);
        ulong got = (ulong)rig.S.Rflags & defined;
        Assert.True((c.ExpectFlags & defined) == got,
            $"{c}: flags expected {(RFlags)(c.ExpectFlags & defined)} got {(RFlags)got} (compared: {(RFlags)defined})");
        // Nothing outside the status flags changed, except what the case expects (DF for popfq).
        Assert.Equal(RFlags.Reserved1 | RFlags.IF | ((RFlags)c.ExpectFlags & ~RFlags.Status), rig.S.Rflags & ~RFlags.Status);
    }

    [Fact]
    public void Table_covers_every_width_of_the_main_groups()
    {
        var seen = FlagCase.Load(DataPath).Select(c => (c.Op.Split('.')[0], c.Width)).ToHashSet();
        foreach (string op in new[] { "add", "sub", "shl", "sar", "rol", "mul", "div", "idiv" })
        {
            foreach (int w in new[] { 8, 16, 32, 64 })
            {
                Assert.True(seen.Contains((op, w)) || (op, w) is ("rol", 16) or ("sar", 16), $"no {op} case at width {w}");
            }
        }
    }
}

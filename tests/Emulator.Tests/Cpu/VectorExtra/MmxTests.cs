using Emulator.Core.Cpu;
using Iced.Intel;
using Xunit.Abstractions;

namespace Emulator.Tests.Cpu.VectorExtra;

/// <summary>MMX on the MM registers that alias the x87 significands: the table <c>Data/mmx.txt</c> on
/// the emulator and the host, a random differential of every MMX code against the host, and the x87
/// side effects (the MMX transition, EMMS, a pending x87 exception).</summary>
public sealed class MmxTests(ITestOutputHelper output)
{
    private const string File = "mmx.txt";

    public static TheoryData<VectorCase> Cases() => VectorTable.Cases(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Instruction_matches_the_table(VectorCase c) => VectorRig.Check(c);

    [HostCpuFact("mmx", "ssse3", "avx2")]
    public void Table_matches_the_host_processor() => VectorTable.CrossCheck(File, output);

    /// <summary>Every legacy code with an MM operand that this unit executes (all but the conversions,
    /// which are the SIMD-float unit's), register and memory forms, 30 random states each.</summary>
    [HostCpuFact("mmx", "ssse3", "avx2")]
    public void Random_operands_match_the_host_processor()
    {
        const int seed = 0x33_4d4d;
        var r = new Random(seed);
        var runs = new List<ProbeRun>();
        foreach (Code code in MmxCodes())
        {
            for (int n = 0; n < 30; n++)
            {
                runs.Add(RandomInstruction.Create(code, r, memory: n % 3 == 2));
            }
        }
        int count = VectorTable.Differential(runs, seed);
        output.WriteLine($"{count} random MMX cases over {MmxCodes().Count()} codes agree with the host (seed {seed:x})");
    }

    /// <summary>The legacy codes with an MM operand that this unit claims.</summary>
    private static IEnumerable<Code> MmxCodes()
    {
        foreach (Code code in Enum.GetValues<Code>())
        {
            OpCodeInfo info = code.ToOpCode();
            if (info.Encoding != EncodingKind.Legacy || Array.IndexOf(Core.Cpu.Cpu.VectorExtraMnemonics, code.Mnemonic()) < 0)
            {
                continue;
            }
            for (int k = 0; k < info.OpCount; k++)
            {
                if (info.GetOpKind(k) is OpCodeOperandKind.mm_reg or OpCodeOperandKind.mm_rm or OpCodeOperandKind.mm_or_mem)
                {
                    yield return code;
                    break;
                }
            }
        }
    }

    [Fact]
    public void The_conversions_with_mm_operands_are_left_to_the_simd_float_unit()
    {
        foreach (Mnemonic m in new[] { Mnemonic.Cvtpi2ps, Mnemonic.Cvtps2pi, Mnemonic.Cvttps2pi, Mnemonic.Cvtpi2pd, Mnemonic.Cvtpd2pi, Mnemonic.Cvttpd2pi })
        {
            Assert.DoesNotContain(m, Core.Cpu.Cpu.VectorExtraMnemonics);
        }
    }

    /// <summary>An MMX instruction makes the x87 state MMX state (SDM Vol. 1 Table 9-2): TOP = 0, every
    /// tag valid, and the written register's sign/exponent all ones; EMMS then tags all registers empty.</summary>
    [Fact]
    public void Mmx_instruction_makes_the_transition_and_emms_empties_the_tags()
    {
        var rig = new VectorRig();
        var input = new ProbeState();
        rig.LoadCode([.. ProbeInstruction.Encode(Instruction.Create(Code.Paddb_mm_mmm64, Register.MM3, Register.MM4), VectorRig.CodeVa),
            .. ProbeInstruction.Encode(Instruction.Create(Code.Emms), VectorRig.CodeVa + 3)]);
        rig.SetState(input);
        rig.S.Fpu.Reset();               // an x87 state in use: TOP 5, one register valid
        rig.S.Fpu.Top = 5;
        rig.S.Fpu.TagWord = 0xF3FF;      // R5 valid, the rest empty
        rig.S.Fpu.SignExponent[3] = 0x3FFF;
        rig.S.Fpu.SignExponent[4] = 0x3FFF;

        Assert.Equal(CpuExitKind.BudgetExhausted, rig.Cpu.Run(1).Kind);

        Assert.Equal(0, rig.S.Fpu.Top);                          // TOP = 0
        Assert.Equal(0, rig.S.Fpu.TagWord);                      // every register valid
        Assert.Equal(0xFFFF, rig.S.Fpu.SignExponent[3]);         // the written MM3: exponent all ones
        Assert.Equal(0x3FFF, rig.S.Fpu.SignExponent[4]);         // MM4 was only read

        Assert.Equal(CpuExitKind.BudgetExhausted, rig.Cpu.Run(1).Kind);

        Assert.Equal(0xFFFF, rig.S.Fpu.TagWord);                 // EMMS: all empty
        Assert.Equal(0, rig.S.Fpu.Top);
    }

    /// <summary>A pending unmasked x87 exception (FSW.ES) makes the next MMX instruction raise #MF,
    /// before it reads memory or changes anything.</summary>
    [Fact]
    public void Pending_x87_exception_raises_mf_before_anything_changes()
    {
        var rig = new VectorRig();
        var input = new ProbeState();
        input.Mm[0] = 1;
        input.Gpr[6] = 0x10_0000;   // the memory operand is unmapped: #MF comes first
        rig.LoadCode(ProbeInstruction.Encode(Instruction.Create(Code.Paddb_mm_mmm64, Register.MM0, new MemoryOperand(Register.RSI)), VectorRig.CodeVa));
        rig.SetState(input);
        rig.S.Fpu.StatusWord = 0x80 | (3 << 11);   // ES set, TOP 3
        rig.S.Fpu.TagWord = 0xFFFF;

        CpuExit exit = rig.Cpu.Run(1);

        Assert.Equal(CpuExitKind.X87FloatingPoint, exit.Kind);
        Assert.Equal(VectorRig.CodeVa, rig.S.Rip);
        Assert.Equal(3, rig.S.Fpu.Top);            // no MMX transition
        Assert.Equal(0xFFFF, rig.S.Fpu.TagWord);
        Assert.Equal(1UL, rig.S.Fpu.Significand[0]);
    }

    /// <summary>A #PF on an MMX memory operand leaves the x87 state as it was: the transition happens
    /// only once the instruction can no longer fault.</summary>
    [Fact]
    public void Page_fault_on_an_mmx_operand_leaves_the_x87_state_alone()
    {
        var rig = new VectorRig();
        var input = new ProbeState();
        input.Gpr[6] = 0x10_0000;
        rig.LoadCode(ProbeInstruction.Encode(Instruction.Create(Code.Movq_mmm64_mm, new MemoryOperand(Register.RSI), Register.MM1), VectorRig.CodeVa));
        rig.SetState(input);
        rig.S.Fpu.Reset();
        rig.S.Fpu.Top = 2;

        CpuExit exit = rig.Cpu.Run(1);

        Assert.Equal(CpuExitKind.PageFault, exit.Kind);
        Assert.Equal(2, rig.S.Fpu.Top);
        Assert.Equal(0xFFFF, rig.S.Fpu.TagWord);
    }
}

using Emulator.Core.Cpu;
using Iced.Intel;
using Xunit.Abstractions;

namespace Emulator.Tests.Cpu.VectorExtra;

/// <summary>BMI1/BMI2: the table <c>Data/bmi.txt</c> on the emulator and on the host, and a seeded
/// differential test of every BMI instruction with random operands against the host.</summary>
public sealed class BmiTests(ITestOutputHelper output)
{
    private const string File = "bmi.txt";

    public static TheoryData<VectorCase> Cases() => VectorTable.Cases(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Instruction_matches_the_table(VectorCase c) => VectorRig.Check(c);

    [HostCpuFact("bmi1", "bmi2", "avx2")]
    public void Table_matches_the_host_processor()
    {
        VectorTable.CrossCheck(File, output);
    }

    /// <summary>Every BMI code, register and memory forms, with seeded random operands: controls for
    /// BEXTR/BZHI biased to the interesting range (start and length around the operand size), PDEP/PEXT
    /// masks of every density. Emulator and host must agree on every register, the window and the
    /// SDM-defined flags.</summary>
    [HostCpuFact("bmi1", "bmi2", "avx2")]
    public void Random_operands_match_the_host_processor()
    {
        const int seed = 0x5eed_b41;
        var r = new Random(seed);
        Code[] codes =
        [
            Code.VEX_Andn_r32_r32_rm32, Code.VEX_Andn_r64_r64_rm64, Code.VEX_Bextr_r32_rm32_r32, Code.VEX_Bextr_r64_rm64_r64,
            Code.VEX_Blsi_r32_rm32, Code.VEX_Blsi_r64_rm64, Code.VEX_Blsmsk_r32_rm32, Code.VEX_Blsmsk_r64_rm64,
            Code.VEX_Blsr_r32_rm32, Code.VEX_Blsr_r64_rm64, Code.VEX_Bzhi_r32_rm32_r32, Code.VEX_Bzhi_r64_rm64_r64,
            Code.VEX_Mulx_r32_r32_rm32, Code.VEX_Mulx_r64_r64_rm64, Code.VEX_Pdep_r32_r32_rm32, Code.VEX_Pdep_r64_r64_rm64,
            Code.VEX_Pext_r32_r32_rm32, Code.VEX_Pext_r64_r64_rm64, Code.VEX_Rorx_r32_rm32_imm8, Code.VEX_Rorx_r64_rm64_imm8,
            Code.VEX_Sarx_r32_rm32_r32, Code.VEX_Sarx_r64_rm64_r64, Code.VEX_Shlx_r32_rm32_r32, Code.VEX_Shlx_r64_rm64_r64,
            Code.VEX_Shrx_r32_rm32_r32, Code.VEX_Shrx_r64_rm64_r64,
        ];
        var runs = new List<ProbeRun>();
        foreach (Code code in codes)
        {
            for (int n = 0; n < 200; n++)
            {
                runs.Add(RandomRun(code, r, memory: n % 4 == 3));
            }
        }
        int count = VectorTable.Differential(runs, seed);
        output.WriteLine($"{count} random BMI cases agree with the host (seed {seed:x})");
    }

    private static ProbeRun RandomRun(Code code, Random r, bool memory)
    {
        bool wide = code.ToString().Contains("64", StringComparison.Ordinal);
        Register R(Register r64) => wide ? r64 : r64 - Register.RAX + Register.EAX;
        var input = new ProbeState { Flags = (ulong)r.NextInt64() & (ulong)RFlags.Status };
        input.Gpr[0] = Value(r);
        input.Gpr[1] = Value(r);
        input.Gpr[2] = Value(r);
        input.Gpr[3] = Value(r);
        BitConverter.GetBytes(Value(r)).CopyTo(input.Mem, 8);
        var m = new MemoryOperand(Register.RSI, 8);
        Mnemonic mn = code.Mnemonic();
        int bits = wide ? 64 : 32;
        if (mn is Mnemonic.Bextr)
        {
            input.Gpr[2] = Edge(r, bits) | ((ulong)Edge(r, bits) << 8) | (r.Next(4) == 0 ? Value(r) & ~0xFFFFUL : 0);
        }
        if (mn is Mnemonic.Bzhi)
        {
            input.Gpr[2] = Edge(r, bits) | (r.Next(4) == 0 ? Value(r) & ~0xFFUL : 0);
        }
        Instruction i = mn switch
        {
            // d, vvvv, r/m
            Mnemonic.Andn or Mnemonic.Pdep or Mnemonic.Pext or Mnemonic.Mulx => memory
                ? Instruction.Create(code, R(Register.RAX), R(Register.RCX), m)
                : Instruction.Create(code, R(Register.RAX), R(Register.RCX), R(Register.RBX)),
            // d, r/m
            Mnemonic.Blsi or Mnemonic.Blsmsk or Mnemonic.Blsr => memory
                ? Instruction.Create(code, R(Register.RAX), m)
                : Instruction.Create(code, R(Register.RAX), R(Register.RCX)),
            // d, r/m, imm8
            Mnemonic.Rorx => memory
                ? Instruction.Create(code, R(Register.RAX), m, r.Next(256))
                : Instruction.Create(code, R(Register.RAX), R(Register.RCX), r.Next(256)),
            // d, r/m, vvvv
            _ => memory
                ? Instruction.Create(code, R(Register.RAX), m, R(Register.RDX))
                : Instruction.Create(code, R(Register.RAX), R(Register.RCX), R(Register.RDX)),
        };
        if (mn is Mnemonic.Shlx or Mnemonic.Shrx or Mnemonic.Sarx)
        {
            input.Gpr[2] = (ulong)r.Next(0, 256);
        }
        return ProbeRun.Of(i, input, (ulong)RFlags.Status & ~VectorCase.UndefinedFlags(mn));
    }

    /// <summary>A start, length or index byte near the edges of an operand of <paramref name="bits"/>
    /// bits (0, 1, bits − 2 .. bits + 1), or any byte.</summary>
    private static uint Edge(Random r, int bits) => r.Next(8) switch
    {
        0 => 0,
        1 => 1,
        2 => (uint)bits - 2,
        3 => (uint)bits - 1,
        4 => (uint)bits,
        5 => (uint)bits + 1,
        6 => (uint)r.Next(bits),
        _ => (uint)r.Next(256),
    };

    /// <summary>Random 64-bit values of mixed density: dense, sparse, small, or with a run of ones.</summary>
    private static ulong Value(Random r) => r.Next(5) switch
    {
        0 => ((ulong)r.NextInt64() << 1) | (uint)r.Next(2),
        1 => ((ulong)r.NextInt64() & (ulong)r.NextInt64() & (ulong)r.NextInt64()) << r.Next(2),
        2 => (ulong)r.Next(0, 300),
        3 => ~((ulong)r.NextInt64() & (ulong)r.NextInt64()),
        _ => r.Next(2) == 0 ? 0 : ulong.MaxValue,
    };
}

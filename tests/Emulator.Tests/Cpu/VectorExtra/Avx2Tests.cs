using Iced.Intel;
using Xunit.Abstractions;

namespace Emulator.Tests.Cpu.VectorExtra;

/// <summary>The AVX2-only and AVX 256-bit specials: the table <c>Data/avx2.txt</c> on the emulator and
/// on the host processor.</summary>
public sealed class Avx2Tests(ITestOutputHelper output)
{
    private const string File = "avx2.txt";

    public static TheoryData<VectorCase> Cases() => VectorTable.Cases(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Instruction_matches_the_table(VectorCase c) => VectorRig.Check(c);

    [HostCpuFact("avx2")]
    public void Table_matches_the_host_processor() => VectorTable.CrossCheck(File, output);

    /// <summary>Every AVX2-only/AVX special code, register and memory forms where it has both, 40
    /// random states each (random registers, window and imm8; gathers with random masks and small
    /// indices in both directions): the emulator must end in the host's state.</summary>
    [HostCpuFact("avx2")]
    public void Random_operands_match_the_host_processor()
    {
        const int seed = 0xa4a2;
        var r = new Random(seed);
        var runs = new List<ProbeRun>();
        foreach (Code code in Enum.GetValues<Code>())
        {
            if (code.Encoding() != EncodingKind.VEX || Array.IndexOf(Core.Cpu.Cpu.VectorExtraMnemonics, code.Mnemonic()) < 0
                || code.Mnemonic() is Mnemonic.Andn or Mnemonic.Bextr or Mnemonic.Blsi or Mnemonic.Blsmsk or Mnemonic.Blsr
                    or Mnemonic.Bzhi or Mnemonic.Mulx or Mnemonic.Pdep or Mnemonic.Pext or Mnemonic.Rorx or Mnemonic.Sarx
                    or Mnemonic.Shlx or Mnemonic.Shrx || code.Mnemonic().ToString().Contains("cmp", StringComparison.Ordinal))
            {
                continue;
            }
            for (int n = 0; n < 40; n++)
            {
                runs.Add(RandomInstruction.Create(code, r, memory: n % 2 == 1));
            }
        }
        int count = VectorTable.Differential(runs, seed);
        output.WriteLine($"{count} random AVX2 cases agree with the host (seed {seed:x})");
    }
}

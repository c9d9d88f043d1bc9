using System.Globalization;
using Emulator.Core.Cpu;
using Emulator.Core.Cpu.Simd;
using Iced.Intel;
using Xunit.Abstractions;

namespace Emulator.Tests.Cpu.SimdInteger;

/// <summary>
/// The seeded differential test: every Iced code the SIMD integer unit owns, with random registers
/// (so REX/VEX register-extension bits and aliased operands are exercised), random register and
/// memory contents, random immediates, both the register and the memory form, at random
/// displacements where the instruction allows a misaligned operand — run on the emulator and on
/// the host processor, whose whole state after the instruction must agree byte for byte. The seed
/// is printed, and <c>SIMD_SEED</c> in the environment replays one.
/// </summary>
public sealed class SimdIntegerRandomTests(ITestOutputHelper output)
{
    private const int CasesPerCode = 8;

    [HostSimdFact]
    public void Every_form_matches_the_host_on_random_operands()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("SIMD_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int s)
            ? s : 0x5EED_0001;
        output.WriteLine($"seed {seed} (SIMD_SEED={seed} replays it)");
        var rng = new Random(seed);
        var cases = new List<(SimdInstruction Ins, byte[] Code, SimdState Input)>();
        foreach (Code code in OwnedCodes())
        {
            for (int k = 0; k < CasesPerCode; k++)
            {
                SimdInstruction ins = RandomInstruction(code, rng, k);
                cases.Add((ins, ins.Encode(), RandomState(rng)));
            }
        }

        SimdState[] host = SimdHost.Run([.. cases.Select(c => (c.Code, c.Input))]);

        var rig = new SimdRig();
        var failures = new List<string>();
        for (int k = 0; k < cases.Count; k++)
        {
            CpuExit exit = rig.Run(cases[k].Code, cases[k].Input, out SimdState emu);
            if (exit.Kind != CpuExitKind.BudgetExhausted)
            {
                failures.Add($"{cases[k].Ins}: emulator exit {exit.Kind} (the host ran it)");
                continue;
            }
            List<string> diff = emu.Diff(host[k]);
            if (diff.Count != 0)
            {
                failures.Add($"{cases[k].Ins}: {string.Join("; ", diff)}");
            }
        }
        output.WriteLine($"{cases.Count} cases ({cases.Count / CasesPerCode} codes) run on the emulator and the host");
        // Every owned code, every random case: the emulator's state equals the silicon's.
        Assert.True(failures.Count == 0, $"seed {seed}: {failures.Count} mismatches\n" + string.Join("\n", failures.Take(60)));
    }

    internal static IEnumerable<Code> OwnedCodes()
    {
        SimdIntEntry[] entries = SimdIntegerTable.Entries;
        for (int c = 0; c < entries.Length; c++)
        {
            if (entries[c].Form != SimdIntForm.None)
            {
                yield return (Code)c;
            }
        }
    }

    /// <summary>The alignment the SDM requires of the memory operand: 16 for a legacy-SSE m128
    /// except the unaligned moves; the operand size for the VEX aligned moves; else none.</summary>
    internal static int RequiredAlignment(Code code, int memSize)
    {
        Mnemonic m = code.Mnemonic();
        if (code.ToOpCode().Encoding == EncodingKind.Legacy)
        {
            return memSize == 16 && m is not (Mnemonic.Movups or Mnemonic.Movupd or Mnemonic.Movdqu or Mnemonic.Lddqu) ? 16 : 1;
        }
        return m is Mnemonic.Vmovaps or Mnemonic.Vmovapd or Mnemonic.Vmovdqa or Mnemonic.Vmovntdq or Mnemonic.Vmovntps
            or Mnemonic.Vmovntpd or Mnemonic.Vmovntdqa ? memSize : 1;
    }

    private static SimdInstruction RandomInstruction(Code code, Random rng, int k)
    {
        bool memory = SimdInstruction.MemoryOnly(code) || (SimdInstruction.HasRegOrMem(code) && k % 2 == 1);
        byte imm = rng.Next(3) == 0 ? (byte)rng.Next(0, 20) : (byte)rng.Next(256);
        var ins = new SimdInstruction(code, R: rng.Next(16), V: rng.Next(16), M: rng.Next(16), I: rng.Next(16),
            Gpr: rng.Next(8), Memory: memory, Imm: imm);
        if (memory)
        {
            int size = ins.Build().MemorySize.GetSize();
            int align = RequiredAlignment(code, size);
            int disp = align > 1 ? align * rng.Next((96 / align) + 1) : rng.Next(97);
            ins = ins with { Disp = disp };
        }
        return ins;
    }

    /// <summary>Random bytes with edge values mixed in (0, 1, 0x7F, 0x80, 0xFF) so saturation, sign
    /// and overflow cases come up; some low quadwords small, so shift counts are in range.</summary>
    internal static SimdState RandomState(Random rng)
    {
        var s = new SimdState();
        for (int n = 0; n < 16; n++)
        {
            Fill(rng, s.Ymm[n]);
            if (rng.Next(3) == 0)
            {
                BitConverter.TryWriteBytes(s.Ymm[n], (ulong)rng.Next(70));
            }
        }
        for (int k = 0; k < 8; k++)
        {
            s.Gpr[k] = (ulong)rng.NextInt64() ^ ((ulong)rng.Next(2) << 63);
        }
        s.Flags = (ulong)rng.Next(1 << 12) & (ulong)RFlags.Status;
        Fill(rng, s.Mem);
        for (int k = 0; k < SimdState.MemSize; k += 16)
        {
            if (rng.Next(4) == 0)
            {
                BitConverter.TryWriteBytes(s.Mem.AsSpan(k), (ulong)rng.Next(70));
            }
        }
        return s;
    }

    private static readonly byte[] s_edges = [0x00, 0x01, 0x7F, 0x80, 0xFF];

    private static void Fill(Random rng, byte[] b)
    {
        rng.NextBytes(b);
        int mode = rng.Next(4);
        for (int k = 0; k < b.Length; k++)
        {
            if (mode == 0 && rng.Next(2) == 0)
            {
                b[k] = s_edges[rng.Next(s_edges.Length)];
            }
        }
    }
}

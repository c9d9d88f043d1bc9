using Emulator.Core.Cpu;
using Iced.Intel;
using Xunit.Abstractions;

namespace Emulator.Tests.Cpu.Translate;

/// <summary>
/// The differential fuzzer: random programs (<see cref="RandomProgram"/>) run by the interpreter and
/// by the translator from identical states, with the same sequence of budgets, must produce the
/// same exits (kind, RIP, fault address, instructions retired — at every budget boundary) and end
/// in the same architectural state (registers, RFLAGS, XMM0–1, data and code memory). The
/// interpreter is the reference. A failure prints the seed and the program; set
/// <c>EMULATOR_FUZZ_SEED</c> to rerun one seed (and <c>EMULATOR_FUZZ_COUNT</c> to run that many
/// from it: a longer campaign).
/// </summary>
public sealed class TranslatorDifferentialTests(ITestOutputHelper output)
{
    /// <summary>Programs per test run (each is run twice, and translated with threshold 1: every
    /// block head is compiled on first sight).</summary>
    private const int Programs = 120;

    [Fact]
    public void Random_programs_end_in_the_same_state_translated_or_interpreted()
    {
        (int first, int count) = Seeds(0x7A5E_0000);
        int faults = 0, exits = 0, translated = 0;
        for (int seed = first; seed < first + count; seed++)
        {
            (string exit, int steps, long regions) = Compare(seed, threshold: 1);
            faults += exit is nameof(CpuExitKind.Syscall) ? 0 : 1;
            exits += steps;
            translated += regions > 0 ? 1 : 0;
        }
        output.WriteLine($"{count} programs from seed {first:x} agree ({faults} ended in a fault, {exits} exits compared, {translated} ran translated code)");
        // Most programs must actually have run translated code (a few end at their first instruction).
        Assert.True(translated * 4 >= count * 3, $"only {translated} of {count} programs ran translated code");
    }

    /// <summary>A threshold above 1 mixes interpreted and translated execution of the same code.</summary>
    [Fact]
    public void Random_programs_agree_when_translation_starts_part_way()
    {
        int translated = 0;
        for (int seed = 0x7A5F_0000; seed < 0x7A5F_0000 + 30; seed++)
        {
            translated += Compare(seed, threshold: 3).Regions > 0 ? 1 : 0;
        }
        Assert.True(translated >= 15, $"only {translated} of 30 programs ran translated code");
    }

    /// <summary>Tier 0's compact pre-decoded operations against the reference handlers on Iced
    /// instructions (both interpreting).</summary>
    [Fact]
    public void Random_programs_end_in_the_same_state_with_pre_decoded_operations_or_the_reference_handlers()
    {
        (int first, int count) = Seeds(0x7A60_0000);
        int faults = 0;
        for (int seed = first; seed < first + count; seed++)
        {
            faults += Compare(seed, threshold: 1, againstTier0: true).Exit is nameof(CpuExitKind.Syscall) ? 0 : 1;
        }
        output.WriteLine($"{count} programs from seed {first:x} agree ({faults} ended in a fault)");
    }

    /// <summary>The seeds to run: <see cref="Programs"/> from <paramref name="first"/>, or
    /// <c>EMULATOR_FUZZ_SEED</c> (and <c>EMULATOR_FUZZ_COUNT</c> from it) when set.</summary>
    private static (int First, int Count) Seeds(int first)
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("EMULATOR_FUZZ_SEED"), out int only))
        {
            return (first, Programs);
        }
        return (only, int.TryParse(Environment.GetEnvironmentVariable("EMULATOR_FUZZ_COUNT"), out int n) ? n : 1);
    }

    /// <summary>Runs the program of <paramref name="seed"/> twice and compares: the reference
    /// interpreter (reference handlers only) against the translator, or, with
    /// <paramref name="againstTier0"/>, against the interpreter with tier 0's pre-decoded operations.</summary>
    private (string Exit, int Steps, long Regions) Compare(int seed, int threshold, bool againstTier0 = false)
    {
        var random = new Random(seed);
        byte[] code = RandomProgram.Build(random, random.Next(20, 120));
        Assert.True(code.Length < 0xF00, $"seed {seed:x}: the program overlaps the data area of its code page");
        var regs = new ulong[16];
        for (int r = 0; r < 16; r++)
        {
            regs[r] = RandomProgram.Value(random);
        }
        long[] budget = random.Next(3) == 0 ? [1_000_000] : [.. Enumerable.Range(0, 8).Select(_ => (long)random.Next(1, 300))];
        Action<CpuState> init = s =>
        {
            for (int r = 0; r < 16; r++)
            {
                s[(Gpr)r] = regs[r];
            }
            s.Rbx = RandomProgram.DataVa;
            s.R13 = regs[13] & 7;
            s.R12 = RandomProgram.UnmappedVa;
            s.Rsi = RandomProgram.DataVa + 0x100;
            s.Rdi = RandomProgram.DataVa + 0x2000;
            s.R14 = 0;
            s.Rsp = ModeRig.StackTop - 64;
        };
        var reference = new ModeRig(CpuMode.Interpret, code, init: init, preDecoded: false);
        var translated = againstTier0
            ? new ModeRig(CpuMode.Interpret, code, init: init)
            : new ModeRig(CpuMode.Translate, code, threshold, init);
        CpuExit a = reference.RunToEnd(budget);
        CpuExit b = translated.RunToEnd(budget);
        string context = $"seed {seed:x} (EMULATOR_FUZZ_SEED={seed}), threshold {threshold}, budgets [{string.Join(',', budget)}]\n{Disassemble(code)}";
        if (!reference.Exits.SequenceEqual(translated.Exits))
        {
            int at = 0;
            while (at < Math.Min(reference.Exits.Count, translated.Exits.Count) && reference.Exits[at] == translated.Exits[at])
            {
                at++;
            }
            Assert.Fail($"exit {at} differs: interpreter `{Nth(reference.Exits, at)}`, translator `{Nth(translated.Exits, at)}`; {context}");
        }
        Assert.True(reference.Snapshot() == translated.Snapshot(),
            $"final state differs:\ninterpreter:\n{reference.Snapshot()}\ntranslator:\n{translated.Snapshot()}\n{context}");
        Assert.True(a.Kind == b.Kind, context);
        return (a.Kind.ToString(), reference.Exits.Count, translated.Cpu.CodeCache.InstructionsTranslated);
    }

    private static string Nth(List<string> list, int n) => n < list.Count ? list[n] : "(none)";

    private static string Disassemble(byte[] code)
    {
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(code));
        decoder.IP = RandomProgram.CodeVa;
        var formatter = new IntelFormatter();
        var output = new StringOutput();
        var lines = new List<string>();
        while (decoder.IP < RandomProgram.CodeVa + (ulong)code.Length)
        {
            decoder.Decode(out Instruction i);
            formatter.Format(i, output);
            lines.Add($"{i.IP:x}: {output.ToStringAndReset()}");
        }
        return string.Join('\n', lines);
    }
}

using Emulator.Core;
using Emulator.Core.Cpu;
using Emulator.Core.Cpu.Translate;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Emulator.Tests.Cpu.Translate;

/// <summary>
/// SHL, SHR, SAR, ROL and ROR by an immediate (the 1-form included) and by CL are translated
/// natively — the classifier does not send them to the interpreter's handler — and the translated
/// code gives the interpreter's result and flags for every count 0..70 at each operand size, with
/// a register and a memory destination, whatever state the previous flags were in, and whichever of
/// the flags are observed afterwards.
/// </summary>
public sealed class TranslatedShiftTests
{
    private const int MaxCount = 70;

    /// <summary>Bytes of output per count (see <see cref="Program"/>).</summary>
    private const int Record = 64;

    private static readonly string[] Operations = ["Shl", "Shr", "Sar", "Rol", "Ror"];

    public static TheoryData<string, int, bool> Cases()
    {
        var data = new TheoryData<string, int, bool>();
        foreach (string op in Operations)
        {
            foreach (int size in (int[])[1, 2, 4, 8])
            {
                data.Add(op, size, false);
                data.Add(op, size, true);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_count_gives_the_interpreters_result_and_flags(string op, int size, bool byCl)
    {
        int seed = 0x5417_0000 + Array.IndexOf(Operations, op) * 16 + size * 2 + (byCl ? 1 : 0);
        byte[] code = Program(new Random(seed), op, size, byCl);

        // Native: every shift of the program is classified for the emitter, none for a handler call.
        int shifts = 0;
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(code));
        decoder.IP = RandomProgram.CodeVa;
        while (decoder.IP < RandomProgram.CodeVa + (ulong)code.Length)
        {
            decoder.Decode(out Instruction i);
            if (i.Mnemonic.ToString() == op)
            {
                Assert.Equal(byCl ? OpClass.ShiftCl : OpClass.ShiftImm, InstructionClassifier.Classify(in i, out _, out _));
                shifts++;
            }
        }
        Assert.Equal(3 * (MaxCount + 1), shifts);

        Action<CpuState> init = s => s.Rbx = RandomProgram.DataVa;
        var interp = new ModeRig(CpuMode.Interpret, code, init: init);
        var jit = new ModeRig(CpuMode.Translate, code, threshold: 1, init: init);
        interp.RunToEnd([1_000_000]);
        jit.RunToEnd([1_000_000]);

        // Translated: with threshold 1 nearly every instruction ran in a region (the few left are
        // instructions crossing a page boundary and the syscall).
        Assert.True(jit.Cpu.CodeCache.InstructionsTranslated * 10 >= jit.Cpu.InstructionsRetired * 9,
            $"{jit.Cpu.CodeCache.InstructionsTranslated} of {jit.Cpu.InstructionsRetired} instructions translated");
        // Each count's record names the first count and field that differ.
        byte[] expected = Output(interp), actual = Output(jit);
        for (int n = 0; n <= MaxCount; n++)
        {
            for (int f = 0; f < Record; f += 8)
            {
                ulong e = BitConverter.ToUInt64(expected, n * Record + f), a = BitConverter.ToUInt64(actual, n * Record + f);
                Assert.True(e == a, $"{op} size {size} {(byCl ? "by CL" : "by imm")} count {n} (seed {seed:x}): {Field(f)} is {a:x} translated, {e:x} interpreted");
            }
        }
        Assert.Equal(interp.Exits, jit.Exits);
        Assert.Equal(interp.Snapshot(), jit.Snapshot()); // registers, RFLAGS, all data and code
    }

    [Fact]
    public void A_rotate_by_an_immediate_sets_cf_and_of_and_keeps_the_other_flags()
    {
        // SDM Vol. 2B ROR: 0x0000_0041 ror 1 = 0x8000_0020, CF = MSB = 1, OF = MSB ^ MSB-1 = 1; the
        // SF, ZF, PF set by `cmp eax, eax` (ZF, PF) stay, though the result is neither zero nor even.
        byte[] code = CpuRig.Assemble(a =>
        {
            a.mov(eax, 0x41);
            a.cmp(eax, eax);
            a.ror(eax, 1);
            a.pushfq();
            a.pop(rdx);
            a.mov(eax, 60);
            a.syscall();
        }, RandomProgram.CodeVa);
        var jit = new ModeRig(CpuMode.Translate, code, threshold: 1);
        jit.RunToEnd([1_000_000]);

        ulong flags = jit.Cpu.State.Rdx & (ulong)RFlags.Status;
        Assert.Equal((ulong)(RFlags.CF | RFlags.OF | RFlags.ZF | RFlags.PF), flags);
        Assert.True(jit.Cpu.CodeCache.InstructionsTranslated >= 3); // the rotate ran in a region
    }

    private static string Field(int offset) => offset switch
    {
        0 => "result (all flags observed)",
        8 => "RFLAGS after it",
        16 => "SETcc bytes (b, o, s, e, p, l, le, be)",
        24 => "memory result (CF and OF observed)",
        32 => "OF via CMOVO",
        40 => "CF via ADC",
        48 => "result (flags dead)",
        _ => "unused",
    };

    private static byte[] Output(ModeRig rig)
    {
        var data = new byte[(MaxCount + 1) * Record];
        Assert.Equal(Errno.Ok, rig.Mm.ReadUser(RandomProgram.DataVa, data, out _));
        return data;
    }

    /// <summary>
    /// For each count n, three uses of the shift, each after flags set one of three ways (POPFQ:
    /// exact flags; ADD: a lazy record; DEC: a lazy record keeping CF) so the flags a zero count or a
    /// rotate keeps are not all alike; the record at RBX + n × 64 receives:
    /// A. the register form followed by eight SETcc and PUSHFQ (every flag observed): the result,
    ///    RFLAGS and the SETcc bytes;
    /// B. the memory form followed by CMOVO and ADC (only OF and CF observed): the result in place,
    ///    OF and CF;
    /// C. the register form followed by XOR (no flag observed): the result.
    /// </summary>
    private static byte[] Program(Random random, string op, int size, bool byCl)
    {
        int bits = size * 8;
        Register dest = size switch { 1 => Register.AL, 2 => Register.AX, 4 => Register.EAX, _ => Register.RAX };
        var a = new Assembler(64);
        int setup = 0;
        for (int n = 0; n <= MaxCount; n++)
        {
            int rec = n * Record;
            var at = (int offset) => new MemoryOperand(Register.RBX, rec + offset, 8);

            // A
            SetFlags(a, random, setup++);
            a.AddInstruction(Instruction.Create(Code.Mov_r64_imm64, Register.RAX, RandomProgram.Value(random)));
            a.AddInstruction(Shift(op, bits, dest, n, byCl, oneForm: n == 1, random, a));
            string[] conditions = ["Setb", "Seto", "Sets", "Sete", "Setp", "Setl", "Setle", "Setbe"];
            for (int k = 0; k < conditions.Length; k++)
            {
                a.AddInstruction(Instruction.Create(Enum.Parse<Code>($"{conditions[k]}_rm8"), at(16 + k)));
            }
            a.AddInstruction(Instruction.Create(Code.Pushfq));
            a.AddInstruction(Instruction.Create(Code.Pop_r64, Register.RDX));
            a.AddInstruction(Instruction.Create(Code.Mov_rm64_r64, at(0), Register.RAX));
            a.AddInstruction(Instruction.Create(Code.Mov_rm64_r64, at(8), Register.RDX));

            // B
            a.AddInstruction(Instruction.Create(Code.Mov_r64_imm64, Register.R8, 0UL));
            a.AddInstruction(Instruction.Create(Code.Mov_r64_imm64, Register.R9, 1UL));
            a.AddInstruction(Instruction.Create(Code.Mov_r64_imm64, Register.R10, 0UL));
            a.AddInstruction(Instruction.Create(Code.Mov_r64_imm64, Register.RAX, RandomProgram.Value(random)));
            a.AddInstruction(Instruction.Create(Code.Mov_rm64_r64, at(24), Register.RAX));
            SetFlags(a, random, setup++);
            a.AddInstruction(Shift(op, bits, at(24), n, byCl, random, a));
            a.AddInstruction(Instruction.Create(Code.Cmovo_r64_rm64, Register.R8, Register.R9));
            a.AddInstruction(Instruction.Create(Code.Adc_rm64_imm8, Register.R10, 0));
            a.AddInstruction(Instruction.Create(Code.Mov_rm64_r64, at(32), Register.R8));
            a.AddInstruction(Instruction.Create(Code.Mov_rm64_r64, at(40), Register.R10));

            // C
            SetFlags(a, random, setup++);
            a.AddInstruction(Instruction.Create(Code.Mov_r64_imm64, Register.RAX, RandomProgram.Value(random)));
            a.AddInstruction(Shift(op, bits, dest, n, byCl, oneForm: n == 1, random, a));
            a.AddInstruction(Instruction.Create(Code.Xor_rm32_r32, Register.EDX, Register.EDX));
            a.AddInstruction(Instruction.Create(Code.Mov_rm64_r64, at(48), Register.RAX));
        }
        a.mov(eax, 60);
        a.syscall();
        using var ms = new MemoryStream();
        a.Assemble(new StreamCodeWriter(ms), RandomProgram.CodeVa);
        return ms.ToArray();
    }

    /// <summary>The shift of register <paramref name="dest"/> by <paramref name="count"/>; by CL,
    /// RCX is loaded first with the count under random upper bits (only CL counts).</summary>
    private static Instruction Shift(string op, int bits, Register dest, int count, bool byCl, bool oneForm, Random random, Assembler a)
    {
        if (byCl)
        {
            LoadCl(a, random, count);
            return Instruction.Create(Enum.Parse<Code>($"{op}_rm{bits}_CL"), dest, Register.CL);
        }
        return oneForm
            ? Instruction.Create(Enum.Parse<Code>($"{op}_rm{bits}_1"), dest, 1)
            : Instruction.Create(Enum.Parse<Code>($"{op}_rm{bits}_imm8"), dest, count);
    }

    /// <summary>The shift of memory operand <paramref name="m"/> by <paramref name="count"/>.</summary>
    private static Instruction Shift(string op, int bits, MemoryOperand m, int count, bool byCl, Random random, Assembler a)
    {
        if (byCl)
        {
            LoadCl(a, random, count);
            return Instruction.Create(Enum.Parse<Code>($"{op}_rm{bits}_CL"), m, Register.CL);
        }
        return Instruction.Create(Enum.Parse<Code>($"{op}_rm{bits}_imm8"), m, count);
    }

    private static void LoadCl(Assembler a, Random random, int count) =>
        a.AddInstruction(Instruction.Create(Code.Mov_r64_imm64, Register.RCX, ((ulong)random.NextInt64() << 8) | (uint)count));

    /// <summary>Sets every status flag at random, in turn as exact RFLAGS (POPFQ), an ADD's lazy
    /// record, or a DEC's record keeping the carry; only MOVs may follow before the shift.</summary>
    private static void SetFlags(Assembler a, Random random, int turn)
    {
        switch (turn % 3)
        {
            case 0:
                a.AddInstruction(Instruction.Create(Code.Pushq_imm32, (int)((uint)random.Next() & (uint)RFlags.Status) | 2));
                a.AddInstruction(Instruction.Create(Code.Popfq));
                break;
            case 1:
                a.AddInstruction(Instruction.Create(Code.Mov_r64_imm64, Register.R11, RandomProgram.Value(random)));
                a.AddInstruction(Instruction.Create(Code.Add_rm64_imm32, Register.R11, (int)RandomProgram.Value(random)));
                break;
            default:
                a.AddInstruction(Instruction.Create(Code.Mov_r64_imm64, Register.R11, RandomProgram.Value(random)));
                a.AddInstruction(Instruction.Create(Code.Dec_rm64, Register.R11));
                break;
        }
    }
}

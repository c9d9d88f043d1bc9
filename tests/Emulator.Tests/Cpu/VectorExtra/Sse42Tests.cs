using System.Runtime.Intrinsics;
using Emulator.Core.Cpu;
using Iced.Intel;
using Xunit.Abstractions;

namespace Emulator.Tests.Cpu.VectorExtra;

/// <summary>SSE4.2: the table <c>Data/sse42.txt</c> (CRC32, PCMPxSTRx) on the emulator and on the
/// host, and a seeded differential test of every PCMPxSTRx form with all 256 imm8 values against the
/// host, plus random CRC32 inputs.</summary>
public sealed class Sse42Tests(ITestOutputHelper output)
{
    private const string File = "sse42.txt";

    public static TheoryData<VectorCase> Cases() => VectorTable.Cases(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Instruction_matches_the_table(VectorCase c) => VectorRig.Check(c);

    [HostCpuFact("sse4_2", "avx2")]
    public void Table_matches_the_host_processor() => VectorTable.CrossCheck(File, output);

    private static readonly Code[] StringCodes =
    [
        Code.Pcmpestri_xmm_xmmm128_imm8, Code.Pcmpestrm_xmm_xmmm128_imm8, Code.Pcmpistri_xmm_xmmm128_imm8,
        Code.Pcmpistrm_xmm_xmmm128_imm8, Code.Pcmpestri64_xmm_xmmm128_imm8, Code.Pcmpestrm64_xmm_xmmm128_imm8,
        Code.VEX_Vpcmpestri_xmm_xmmm128_imm8, Code.VEX_Vpcmpestrm_xmm_xmmm128_imm8, Code.VEX_Vpcmpistri_xmm_xmmm128_imm8,
        Code.VEX_Vpcmpistrm_xmm_xmmm128_imm8, Code.VEX_Vpcmpestri64_xmm_xmmm128_imm8, Code.VEX_Vpcmpestrm64_xmm_xmmm128_imm8,
    ];

    /// <summary>Every PCMPxSTRx code (legacy, REX.W, VEX, VEX.W) × all 256 imm8 values × four random
    /// string pairs: strings drawn from a small alphabet (so equal-any, ranges and substrings hit),
    /// with zero terminators at random places, a needle that is sometimes cut from the haystack,
    /// explicit lengths from −20 to 20 and beyond 32 bits; register and memory second operands.
    /// Every register (ECX/RCX, YMM0), the six flags and the window must match the host.</summary>
    [HostCpuFact("sse4_2", "avx2")]
    public void Every_imm8_with_random_strings_matches_the_host_processor()
    {
        const int seed = 0x42_5742;
        var r = new Random(seed);
        var runs = new List<ProbeRun>();
        foreach (Code code in StringCodes)
        {
            for (int imm = 0; imm < 256; imm++)
            {
                for (int n = 0; n < 4; n++)
                {
                    runs.Add(RandomStringRun(code, imm, r, memory: n == 3));
                }
            }
        }
        int count = VectorTable.Differential(runs, seed);
        output.WriteLine($"{count} random PCMPxSTRx cases agree with the host (seed {seed:x})");
    }

    /// <summary>CRC32 in all five forms on random data and random starting values, register and memory.</summary>
    [HostCpuFact("sse4_2", "avx2")]
    public void Crc32_with_random_data_matches_the_host_processor()
    {
        const int seed = 0xc3c32;
        var r = new Random(seed);
        var runs = new List<ProbeRun>();
        (Code Code, Register Dst, Register Src)[] forms =
        [
            (Code.Crc32_r32_rm8, Register.EAX, Register.CL), (Code.Crc32_r32_rm16, Register.EAX, Register.CX),
            (Code.Crc32_r32_rm32, Register.EAX, Register.ECX), (Code.Crc32_r64_rm8, Register.RAX, Register.CL),
            (Code.Crc32_r64_rm64, Register.RAX, Register.RCX),
        ];
        foreach ((Code code, Register dst, Register src) in forms)
        {
            for (int n = 0; n < 100; n++)
            {
                var input = new ProbeState { Flags = (ulong)r.NextInt64() & (ulong)RFlags.Status };
                input.Gpr[0] = (ulong)r.NextInt64();
                input.Gpr[1] = (ulong)r.NextInt64();
                r.NextBytes(input.Mem.AsSpan(0, 16));
                Instruction i = n % 2 == 0
                    ? Instruction.Create(code, dst, src)
                    : Instruction.Create(code, dst, new MemoryOperand(Register.RSI, r.Next(8)));
                runs.Add(ProbeRun.Of(i, input, (ulong)RFlags.Status));
            }
        }
        int count = VectorTable.Differential(runs, seed);
        output.WriteLine($"{count} random CRC32 cases agree with the host (seed {seed:x})");
    }

    /// <summary>A strlen loop in the style of glibc's SSE4.2 string functions: PCMPISTRI equal each
    /// against an all-zero XMM1 (an empty string), 16 bytes a step until ZF says the chunk held the
    /// terminator, then RSI + ECX. Run on strings of every length 0..70 at every alignment mod 16,
    /// each compared with the length computed here.</summary>
    [Fact]
    public void Pcmpistri_strlen_loop_finds_every_terminator()
    {
        var rig = new CpuRig();
        Mm.MmKit.MapAt(rig.Mm, CpuRig.DataVa, 2);
        rig.Load(a =>
        {
            Label loop = a.CreateLabel(), done = a.CreateLabel();
            a.mov(AssemblerRegisters.rax, AssemblerRegisters.rsi);
            a.Label(ref loop);
            a.pcmpistri(AssemblerRegisters.xmm1, AssemblerRegisters.__xmmword_ptr[AssemblerRegisters.rax], 0x08);
            a.jz(done);
            a.add(AssemblerRegisters.rax, 16);
            a.jmp(loop);
            a.Label(ref done);
            a.add(AssemblerRegisters.rax, AssemblerRegisters.rcx);
            a.sub(AssemblerRegisters.rax, AssemblerRegisters.rsi);
            a.syscall();
        });
        var r = new Random(0x57a1e);
        for (int length = 0; length <= 70; length++)
        {
            int offset = r.Next(16);
            var text = new byte[128];
            for (int k = 0; k < text.Length; k++)
            {
                text[k] = (byte)r.Next(1, 256);
            }
            text[offset + length] = 0;
            Assert.Equal(Core.Errno.Ok, rig.Mm.WriteUser(CpuRig.DataVa, text, out _));
            rig.S.Rip = CpuRig.CodeVa;
            rig.S.Rsi = CpuRig.DataVa + (ulong)offset;
            rig.RunToSyscall();
            // The loop stopped at the first zero byte: the string's length.
            Assert.True((ulong)length == rig.S.Rax, $"length {length} at offset {offset}: got {rig.S.Rax}");
        }
    }

    /// <summary>A strcspn loop as glibc's SSE4.2 one is built: PCMPISTRI equal any with the reject set in
    /// XMM1; CF (a rejected byte in the valid part of the chunk) gives the answer as chunk offset + ECX;
    /// ZF without CF (the chunk holds the terminator) asks a second PCMPISTRI, equal each against the
    /// empty string in XMM2, for the terminator's index.</summary>
    [Fact]
    public void Pcmpistri_strcspn_loop_stops_at_the_first_rejected_byte_or_the_end()
    {
        var rig = new CpuRig();
        Mm.MmKit.MapAt(rig.Mm, CpuRig.DataVa, 2);
        rig.Load(a =>
        {
            Label loop = a.CreateLabel(), found = a.CreateLabel(), end = a.CreateLabel();
            a.xor(AssemblerRegisters.eax, AssemblerRegisters.eax);
            a.Label(ref loop);
            a.pcmpistri(AssemblerRegisters.xmm1, AssemblerRegisters.__xmmword_ptr[AssemblerRegisters.rsi + AssemblerRegisters.rax], 0x00);
            a.jc(found);
            a.jz(end);
            a.add(AssemblerRegisters.rax, 16);
            a.jmp(loop);
            a.Label(ref end);
            a.pcmpistri(AssemblerRegisters.xmm2, AssemblerRegisters.__xmmword_ptr[AssemblerRegisters.rsi + AssemblerRegisters.rax], 0x08);
            a.Label(ref found);
            a.add(AssemblerRegisters.rax, AssemblerRegisters.rcx);
            a.syscall();
        });
        var r = new Random(0xc5e7);
        byte[] reject = "xyz"u8.ToArray();
        rig.S.SetXmm(1, Vector128.Create((byte)'x', (byte)'y', (byte)'z', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
        for (int n = 0; n < 200; n++)
        {
            var text = new byte[128];
            int length = r.Next(0, 80);
            for (int k = 0; k < length; k++)
            {
                text[k] = r.Next(40) == 0 ? reject[r.Next(3)] : (byte)r.Next('a', 'x');
            }
            Assert.Equal(Core.Errno.Ok, rig.Mm.WriteUser(CpuRig.DataVa, text, out _));
            int expected = 0;
            while (expected < length && Array.IndexOf(reject, text[expected]) < 0)
            {
                expected++;
            }
            rig.S.Rip = CpuRig.CodeVa;
            rig.S.Rsi = CpuRig.DataVa;
            rig.RunToSyscall();
            // The span of bytes not in the reject set, as strcspn returns it.
            Assert.True((ulong)expected == rig.S.Rax, $"case {n}: expected {expected}, got {rig.S.Rax}");
        }
    }

    private static readonly byte[] Alphabet = [(byte)'a', (byte)'b', (byte)'c', 0x7f, 0x80, 0xff, 0x01];

    private static ProbeRun RandomStringRun(Code code, int imm, Random r, bool memory)
    {
        bool words = (imm & 1) != 0;
        var input = new ProbeState { Flags = (ulong)r.NextInt64() & (ulong)RFlags.Status };
        byte[] haystack = RandomString(r, words);
        byte[] needle = RandomString(r, words);
        if (r.Next(3) == 0)
        {
            // The needle cut from the haystack, so equal ordered and equal each find something.
            int start = r.Next(16) & (words ? ~1 : ~0);
            int length = r.Next(1, 17 - start);
            Array.Clear(needle);
            Array.Copy(haystack, start, needle, 0, length);
        }
        input.Ymm[1] = Vector128.Create<byte>(needle).ToVector256();
        input.Ymm[2] = Vector128.Create<byte>(haystack).ToVector256();
        input.Ymm[0] = VectorRig.RandomYmm(r);
        haystack.CopyTo(input.Mem, 16 + 5);
        input.Gpr[0] = ExplicitLength(r);
        input.Gpr[2] = ExplicitLength(r);
        input.Gpr[1] = (ulong)r.NextInt64();
        Instruction i = memory
            ? Instruction.Create(code, Register.XMM1, new MemoryOperand(Register.RSI, 16 + 5), imm)
            : Instruction.Create(code, Register.XMM1, Register.XMM2, imm);
        return ProbeRun.Of(i, input, (ulong)RFlags.Status, $"imm8={imm:x2}");
    }

    private static byte[] RandomString(Random r, bool words)
    {
        var s = new byte[16];
        for (int k = 0; k < 16; k++)
        {
            s[k] = r.Next(8) == 0 ? (byte)r.Next(256) : Alphabet[r.Next(Alphabet.Length)];
        }
        if (words)
        {
            // High bytes from a small set too, so word elements repeat.
            for (int k = 1; k < 16; k += 2)
            {
                s[k] = r.Next(3) switch { 0 => 0, 1 => 0x80, _ => s[k - 1] };
            }
        }
        if (r.Next(4) != 0)
        {
            int zero = r.Next(words ? 8 : 16) * (words ? 2 : 1);
            s[zero] = 0;
            if (words)
            {
                s[zero + 1] = 0;
            }
        }
        return s;
    }

    private static ulong ExplicitLength(Random r) => r.Next(6) switch
    {
        0 => (ulong)r.NextInt64(),
        1 => (ulong)(uint)r.Next() | ((ulong)(uint)r.Next(4) << 32),
        _ => (ulong)r.Next(-20, 21),
    };
}

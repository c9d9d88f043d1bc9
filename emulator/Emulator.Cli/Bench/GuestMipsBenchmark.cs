using Emulator.Core;
using Emulator.Core.Cpu;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Paging;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Emulator.Cli.Bench;

/// <summary>
/// <c>guest-mips</c>: guest instructions retired per second by one <see cref="Cpu"/> running an
/// integer workload — a sieve of Eratosthenes, a bitwise CRC-32 over the sieve and an LCG-filled
/// bubble sort, called from a loop as gcc would lay it out (frames, calls, loads, stores, branches,
/// <c>imul</c>, one <c>div</c> a round) — in a real <see cref="AddressSpace"/> (code r-x, data and
/// stack rw, demand-faulted through <see cref="AddressSpace.HandleFault"/>) with the
/// decoded-instruction cache on. Every run's result is checked against a C# reference, so a fast
/// but wrong CPU fails instead of scoring.
/// </summary>
internal sealed class GuestMipsBenchmark : Benchmark
{
    public override string Name => "guest-mips";
    public override string Unit => "ops/s";
    /// <summary>Issue 12's target for the translator (the default mode): 1e9; for the interpreter
    /// alone (<c>--cpu-mode interp</c>) the first wave's 4e7.</summary>
    public override double Target => CpuOptions.DefaultMode == CpuMode.Translate ? 1e9 : 40e6;
    public override string Description => "guest integer workload (sieve, CRC-32, bubble sort), instructions retired per second";

    public override BenchResult Run(bool quick)
    {
        var guest = new Workload(WorkloadSize.Benchmark);
        WorkloadResult first = guest.Run();
        long instructions = first.Instructions;
        double rate = BestRate(() =>
        {
            WorkloadResult r = guest.Run();
            if (r.Instructions != instructions)
            {
                throw new InvalidOperationException($"guest-mips: instruction count changed between runs ({instructions} then {r.Instructions})");
            }
        }, instructions, quick);
        return Result(rate, $"{instructions} instructions a run, primes {first.Primes}, digest {first.Digest:x16}, faults resolved {guest.ResolvedFaults}");
    }

    /// <summary>The workload's parameters: sieve bytes, sorted elements, rounds.</summary>
    internal readonly record struct WorkloadSize(int SieveBytes, int SortElements, int Rounds)
    {
        /// <summary>About 6 M instructions a run.</summary>
        public static WorkloadSize Benchmark => new(16384, 384, 3);

        /// <summary>About 0.1 M instructions: for tests.</summary>
        public static WorkloadSize Small => new(2048, 48, 2);
    }

    /// <summary>What the guest stored at <see cref="Workload.ResultVa"/>, and what it cost.</summary>
    internal readonly record struct WorkloadResult(ulong Digest, ulong Primes, long Instructions);

    /// <summary>
    /// A process running the workload: one <see cref="Machine"/>, one address space, one vCPU.
    /// <see cref="Run"/> executes the program from its entry point to its exit syscall and throws
    /// when the result differs from <see cref="Expected"/>.
    /// </summary>
    internal sealed class Workload
    {
        public const ulong CodeVa = 0x40_0000;
        public const ulong DataVa = 0x60_0000;
        public const ulong StackTop = 0x7fff_0000_0000;
        private const ulong StackBytes = 64 * 1024;
        private const ulong SortOffset = 0x10_0000;   // u32 array; the sieve buffer is at DataVa
        private const ulong ResultOffset = 0x20_0000; // digest, prime count

        private readonly AddressSpace _mm;
        private readonly WorkloadResult _expected;

        public Workload(WorkloadSize size)
        {
            if (size.SieveBytes % 8 != 0 || size.SieveBytes < 16 || size.SortElements < 2 || size.Rounds < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(size), size, "sieve bytes a multiple of 8 (≥ 16), ≥ 2 elements, ≥ 1 round");
            }
            Size = size;
            Machine = new Machine(new MachineOptions { RamSize = 32UL << 20 });
            if (Machine.CreateAddressSpace(out AddressSpace? mm) != Errno.Ok)
            {
                throw new InvalidOperationException("guest workload: could not create the address space");
            }
            _mm = mm!;
            byte[] code = Assemble(size);
            ulong codeBytes = ((ulong)code.Length + Page.Mask) & ~Page.Mask;
            Map(CodeVa, codeBytes, Protection.ReadWrite);
            if (_mm.WriteUser(CodeVa, code, out _) != Errno.Ok || _mm.Mprotect(CodeVa, codeBytes, Protection.Read | Protection.Exec) != Errno.Ok)
            {
                throw new InvalidOperationException("guest workload: could not load the code");
            }
            Map(DataVa, ResultOffset + Page.Size, Protection.ReadWrite);
            Map(StackTop - StackBytes, StackBytes, Protection.ReadWrite);

            var mmu = new Mmu(Machine.Memory, _mm.Mode, WalkOptions.Default);
            if (!mmu.LoadCr3(_mm.RootPa))
            {
                throw new InvalidOperationException("guest workload: CR3 rejected");
            }
            _mm.AttachCpu(mmu);
            Cpu = new Cpu(mmu, new CpuOptions { Frames = Machine.Frames });
            _expected = Expected(size);
        }

        public WorkloadSize Size { get; }
        public Machine Machine { get; }
        public Cpu Cpu { get; }
        public int ResolvedFaults { get; private set; }
        public static ulong ResultVa => DataVa + ResultOffset;

        /// <summary>Runs the program once from its entry point; throws when it does not end with
        /// the exit syscall or computes a wrong result.</summary>
        public WorkloadResult Run()
        {
            CpuState s = Cpu.State;
            s.Rip = CodeVa;
            s.Rsp = StackTop;
            s.Rflags = RFlags.InitialUser;
            long before = Cpu.InstructionsRetired;
            CpuExit exit;
            while (true)
            {
                exit = Cpu.Run(long.MaxValue / 2);
                if (exit.Kind != CpuExitKind.PageFault)
                {
                    break;
                }
                if (_mm.HandleFault(exit.FaultAddress, exit.IsWrite, exit.IsFetch) != FaultResult.Resolved)
                {
                    throw new InvalidOperationException($"guest workload: unresolvable fault: {exit}");
                }
                ResolvedFaults++;
            }
            if (exit.Kind != CpuExitKind.Syscall || s.Rax != 60)
            {
                throw new InvalidOperationException($"guest workload: expected the exit syscall, got {exit} ({s})");
            }
            Span<byte> raw = stackalloc byte[16];
            if (_mm.ReadUser(ResultVa, raw, out _) != Errno.Ok)
            {
                throw new InvalidOperationException("guest workload: result page unreadable");
            }
            var result = new WorkloadResult(BitConverter.ToUInt64(raw), BitConverter.ToUInt64(raw[8..]), Cpu.InstructionsRetired - before);
            if (result.Digest != _expected.Digest || result.Primes != _expected.Primes)
            {
                throw new InvalidOperationException(
                    $"guest workload computed digest {result.Digest:x16}, primes {result.Primes}; expected {_expected.Digest:x16}, {_expected.Primes}");
            }
            return result;
        }

        private void Map(ulong va, ulong length, Protection prot)
        {
            if (_mm.Mmap(va, length, prot, MapFlags.Private | MapFlags.Anonymous | MapFlags.Fixed, out _) != Errno.Ok)
            {
                throw new InvalidOperationException($"guest workload: could not map {va:x}+{length:x}");
            }
        }

        /// <summary>The C# reference of the guest program: the digest and the last round's prime count.</summary>
        public static WorkloadResult Expected(WorkloadSize size)
        {
            int n = size.SieveBytes;
            var sieve = new byte[n];
            var sort = new uint[size.SortElements];
            ulong digest = 0, primes = 0;
            for (uint round = 0; round < size.Rounds; round++)
            {
                Array.Fill(sieve, (byte)1);
                sieve[0] = sieve[1] = 0;
                for (ulong p = 2; p * p < (ulong)n; p++)
                {
                    if (sieve[p] != 0)
                    {
                        for (ulong m = p * p; m < (ulong)n; m += p)
                        {
                            sieve[m] = 0;
                        }
                    }
                }
                primes = 0;
                foreach (byte b in sieve)
                {
                    primes += b;
                }
                uint crc = uint.MaxValue;
                foreach (byte b in sieve)
                {
                    crc ^= b;
                    for (int k = 0; k < 8; k++)
                    {
                        crc = (crc >> 1) ^ ((uint)-(int)(crc & 1) & 0xEDB8_8320);
                    }
                }
                digest = digest * 31 + ~crc;
                uint x = round + 1;
                for (int k = 0; k < sort.Length; k++)
                {
                    x = x * 1_103_515_245 + 12_345;
                    sort[k] = x >> 8;
                }
                Array.Sort(sort);
                ulong checksum = 0;
                for (int k = 0; k < sort.Length; k++)
                {
                    checksum += (ulong)sort[k] * (ulong)(k + 1);
                }
                digest ^= checksum % 65_521;
                digest += primes;
            }
            return new WorkloadResult(digest, primes, 0);
        }

        /// <summary>
        /// The guest program, laid out as gcc <c>-O1</c> would: <c>main</c> calls <c>sieve</c>,
        /// <c>crc32</c> and <c>sort</c> (SysV arguments in RDI, RSI, RDX; result in RAX) each round,
        /// then stores the digest and prime count and calls <c>exit(0)</c>.
        /// </summary>
        public static byte[] Assemble(WorkloadSize size)
        {
            var a = new Assembler(64);
            Label sieve = a.CreateLabel("sieve"), crc32 = a.CreateLabel("crc32"), sort = a.CreateLabel("sort");
            ulong sieveVa = DataVa, sortVa = DataVa + SortOffset;

            // main: r12 digest, r13 rounds left, r14 round seed, r15 primes
            Label round = a.CreateLabel();
            a.xor(r12d, r12d);
            a.mov(r13d, size.Rounds);
            a.mov(r14d, 1);
            a.Label(ref round);
            a.mov(rdi, sieveVa);
            a.mov(esi, size.SieveBytes);
            a.call(sieve);
            a.mov(r15, rax);
            a.mov(rdi, sieveVa);
            a.mov(esi, size.SieveBytes);
            a.call(crc32);
            a.imul(r12, r12, 31);
            a.add(r12, rax);
            a.mov(rdi, sortVa);
            a.mov(esi, size.SortElements);
            a.mov(edx, r14d);
            a.call(sort);
            a.xor(edx, edx);
            a.mov(ecx, 65_521);
            a.div(rcx);
            a.xor(r12, rdx);
            a.add(r12, r15);
            a.inc(r14d);
            a.dec(r13d);
            a.jne(round);
            a.mov(rax, ResultVa);
            a.mov(__qword_ptr[rax], r12);
            a.mov(__qword_ptr[rax + 8], r15);
            a.mov(eax, 60);
            a.xor(edi, edi);
            a.syscall();

            EmitSieve(a, ref sieve);
            EmitCrc32(a, ref crc32);
            EmitSort(a, ref sort);

            using var ms = new MemoryStream();
            a.Assemble(new StreamCodeWriter(ms), CodeVa);
            return ms.ToArray();
        }

        /// <summary><c>size_t sieve(uint8_t *buf, size_t n)</c>: marks primes below n, returns their count.</summary>
        private static void EmitSieve(Assembler a, ref Label entry)
        {
            Label fill = a.CreateLabel(), outer = a.CreateLabel(), inner = a.CreateLabel(), next = a.CreateLabel();
            Label count = a.CreateLabel(), sum = a.CreateLabel();
            a.Label(ref entry);
            a.push(rbp);
            a.mov(rbp, rsp);
            a.push(rbx);
            a.mov(rax, 0x0101_0101_0101_0101);
            a.xor(ecx, ecx);
            a.Label(ref fill);
            a.mov(__qword_ptr[rdi + rcx], rax);
            a.add(rcx, 8);
            a.cmp(rcx, rsi);
            a.jb(fill);
            a.mov(__byte_ptr[rdi], 0);
            a.mov(__byte_ptr[rdi + 1], 0);
            a.mov(ecx, 2);
            a.Label(ref outer);
            a.mov(rax, rcx);
            a.imul(rax, rcx);
            a.cmp(rax, rsi);
            a.jae(count);
            a.cmp(__byte_ptr[rdi + rcx], 0);
            a.je(next);
            a.Label(ref inner);
            a.mov(__byte_ptr[rdi + rax], 0);
            a.add(rax, rcx);
            a.cmp(rax, rsi);
            a.jb(inner);
            a.Label(ref next);
            a.inc(rcx);
            a.jmp(outer);
            a.Label(ref count);
            a.xor(eax, eax);
            a.xor(ecx, ecx);
            a.Label(ref sum);
            a.movzx(ebx, __byte_ptr[rdi + rcx]);
            a.add(rax, rbx);
            a.inc(rcx);
            a.cmp(rcx, rsi);
            a.jb(sum);
            a.pop(rbx);
            a.leave();
            a.ret();
        }

        /// <summary><c>uint32_t crc32(const uint8_t *buf, size_t n)</c>: reflected CRC-32, one bit at a time.</summary>
        private static void EmitCrc32(Assembler a, ref Label entry)
        {
            Label next = a.CreateLabel(), bit = a.CreateLabel();
            a.Label(ref entry);
            a.mov(eax, -1);
            a.xor(ecx, ecx);
            a.Label(ref next);
            a.movzx(edx, __byte_ptr[rdi + rcx]);
            a.xor(eax, edx);
            a.mov(r8d, 8);
            a.Label(ref bit);
            a.mov(edx, eax);
            a.shr(eax, 1);
            a.and(edx, 1);
            a.neg(edx);
            a.and(edx, unchecked((int)0xEDB8_8320));
            a.xor(eax, edx);
            a.dec(r8d);
            a.jne(bit);
            a.inc(rcx);
            a.cmp(rcx, rsi);
            a.jb(next);
            a.not(eax);
            a.ret();
        }

        /// <summary><c>uint64_t sort(uint32_t *a, size_t n, uint32_t seed)</c>: fills a with an LCG,
        /// bubble-sorts it and returns Σ a[i]·(i+1).</summary>
        private static void EmitSort(Assembler a, ref Label entry)
        {
            Label fill = a.CreateLabel(), pass = a.CreateLabel(), cmp = a.CreateLabel(), noSwap = a.CreateLabel();
            Label sorted = a.CreateLabel(), sum = a.CreateLabel();
            a.Label(ref entry);
            a.push(rbp);
            a.mov(rbp, rsp);
            a.mov(eax, edx);
            a.xor(ecx, ecx);
            a.Label(ref fill);
            a.imul(eax, eax, 1_103_515_245);
            a.add(eax, 12_345);
            a.mov(edx, eax);
            a.shr(edx, 8);
            a.mov(__dword_ptr[rdi + rcx * 4], edx);
            a.inc(rcx);
            a.cmp(rcx, rsi);
            a.jb(fill);
            a.lea(r8, __qword_ptr[rsi - 1]);
            a.Label(ref pass);
            a.test(r8, r8);
            a.je(sorted);
            a.xor(ecx, ecx);
            a.Label(ref cmp);
            a.mov(eax, __dword_ptr[rdi + rcx * 4]);
            a.mov(edx, __dword_ptr[rdi + rcx * 4 + 4]);
            a.cmp(eax, edx);
            a.jbe(noSwap);
            a.mov(__dword_ptr[rdi + rcx * 4], edx);
            a.mov(__dword_ptr[rdi + rcx * 4 + 4], eax);
            a.Label(ref noSwap);
            a.inc(rcx);
            a.cmp(rcx, r8);
            a.jb(cmp);
            a.dec(r8);
            a.jmp(pass);
            a.Label(ref sorted);
            a.xor(eax, eax);
            a.xor(ecx, ecx);
            a.Label(ref sum);
            a.mov(edx, __dword_ptr[rdi + rcx * 4]);
            a.lea(r9, __qword_ptr[rcx + 1]);
            a.imul(rdx, r9);
            a.add(rax, rdx);
            a.inc(rcx);
            a.cmp(rcx, rsi);
            a.jb(sum);
            a.leave();
            a.ret();
        }
    }
}

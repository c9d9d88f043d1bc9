using Emulator.Core.Kernel.Elf;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Emulator.Cli;

/// <summary>
/// The built-in guest of <c>emulator boot</c>, assembled at start-up with Iced: it opens and binds
/// /dev/sva0, maps buffers, has the device fill and copy them, munmaps and mremaps under the
/// device's feet, forks and lets parent and child write their copy-on-write pages (by CPU and by
/// DMA), and checks every result. It prints one line and exits with the number of failed checks.
/// </summary>
internal static class BuiltinGuest
{
    public const ulong TextVa = 0x40_1000;
    public const ulong DataVa = 0x60_0000;
    private const int Page = 4096;
    private const ulong Pattern = 0x5A5A_0101_A5A5_0202;
    private const ulong TailPattern = 0x7777_0000_7777_0000;
    private const ulong ChildPattern = 0xC0C0_C0C0_C0C0_C0C0;
    private const int SvaSubmit = unchecked((int)0xC040_5302);
    private const int SvaBind = 0x5301;

    /// <summary>What the guest prints when every check passed.</summary>
    public const string Passed = "builtin guest: all checks passed\n";

    /// <summary>What it prints otherwise (the exit status is the number of failed checks).</summary>
    public const string Failed = "builtin guest: some checks FAILED\n";

    /// <summary>The guest as a static ELF executable.</summary>
    public static byte[] Build()
    {
        var a = new Assembler(64);
        Emit(a);
        var ms = new MemoryStream();
        a.Assemble(new StreamCodeWriter(ms), TextVa);
        byte[] code = ms.ToArray();
        ProgramHeader[] phdrs =
        [
            new() { Type = SegmentType.Load, Flags = SegmentFlags.Read | SegmentFlags.Execute, Offset = CodeOffset, Vaddr = TextVa, Paddr = TextVa, FileSize = (ulong)code.Length, MemSize = (ulong)code.Length, Align = Page },
            new() { Type = SegmentType.Load, Flags = SegmentFlags.Read | SegmentFlags.Write, Offset = 0, Vaddr = DataVa, Paddr = DataVa, FileSize = 0, MemSize = Page, Align = Page },
        ];
        return ElfBuilder.Exec(TextVa, phdrs, CodeOffset, code);
    }

    private const int CodeOffset = 0x1000;

    // Registers: rbx = the data page (descriptor at +0, completion at +64, wait status at +128),
    // r12 = buffer A, r13 = buffer B, r14 = the device's fd, r15 = failed checks.
    private static void Emit(Assembler a)
    {
        var path = a.CreateLabel();
        var passed = a.CreateLabel();
        var failed = a.CreateLabel();
        var child = a.CreateLabel();
        var exit = a.CreateLabel();
        var failedText = a.CreateLabel();
        a.xor(r15d, r15d);
        a.mov(rbx, DataVa);

        // fd = openat(AT_FDCWD, "/dev/sva0", O_RDWR); pasid = ioctl(fd, SVA_BIND, 0)
        a.mov(rdi, -100L);
        a.lea(rsi, __[path]);
        a.mov(edx, 2);
        a.xor(r10d, r10d);
        Sys(a, 257);
        a.mov(r14, rax);
        a.test(rax, rax);
        Expect(a, ok => a.jns(ok));
        Bind(a);

        // Two 4-page buffers, never touched by the CPU: the device's PRI requests populate them.
        Mmap(a, 4 * Page);
        a.mov(r12, rax);
        Mmap(a, 4 * Page);
        a.mov(r13, rax);
        Submit(a, 2, src: null, dst: r12, 4 * Page, Pattern); // FILL A
        Submit(a, 1, src: r12, dst: r13, 4 * Page, 0); // COPY A -> B
        Verify(a, r13, 0, 4 * Page, Pattern); // the CPU sees what the device wrote

        // munmap A under the device's feet: a copy from it faults at A, and never reads the old frames.
        a.mov(rdi, r12);
        a.mov(esi, 4 * Page);
        Sys(a, 11);
        a.test(rax, rax);
        Expect(a, ok => a.je(ok));
        Submit(a, 1, src: r12, dst: r13, Page, 0, expectStatus: 2);
        a.cmp(__qword_ptr[rbx + 80], r12); // fault_addr
        Expect(a, ok => a.je(ok));

        // mremap B to 8 pages (it may move): the old contents at the new address, the tail filled by DMA.
        a.mov(rdi, r13);
        a.mov(esi, 4 * Page);
        a.mov(edx, 8 * Page);
        a.mov(r10d, 1); // MREMAP_MAYMOVE
        a.xor(r8d, r8d);
        Sys(a, 25);
        a.mov(r13, rax);
        a.cmp(rax, -4095);
        Expect(a, ok => a.jb(ok));
        Verify(a, r13, 0, 4 * Page, Pattern);
        a.lea(r9, __[r13 + 4 * Page]);
        Submit(a, 2, src: null, dst: r9, 4 * Page, TailPattern);
        Verify(a, r13, 4 * Page, 4 * Page, TailPattern);

        // fork: B is copy-on-write in both.
        Sys(a, 57);
        a.test(rax, rax);
        a.je(child);
        a.cmp(rax, 0);
        Expect(a, ok => a.jg(ok));
        a.mov(rdi, -1L);
        a.lea(rsi, __[rbx + 128]);
        a.xor(edx, edx);
        a.xor(r10d, r10d);
        Sys(a, 61); // wait4(-1, &status, 0, 0)
        a.cmp(rax, 0);
        Expect(a, ok => a.jg(ok));
        a.cmp(__dword_ptr[rbx + 128], 0); // the child's checks passed
        Expect(a, ok => a.je(ok));
        Verify(a, r13, 0, 2 * Page, Pattern); // the child's CPU and DMA writes went to its own copy
        a.test(r15, r15);
        a.jne(failed);
        Print(a, passed, Passed.Length);
        a.jmp(exit);
        a.Label(ref failed);
        Print(a, failedText, Failed.Length);
        a.Label(ref exit);
        a.mov(edi, r15d);
        Sys(a, 231); // exit_group(failed checks)

        a.Label(ref child);
        Bind(a); // the child shares the file, not the binding
        a.mov(rax, ChildPattern);
        a.mov(__qword_ptr[r13], rax); // CPU write: breaks COW in the child
        a.lea(r9, __[r13 + Page]);
        Submit(a, 2, src: null, dst: r9, Page, ChildPattern); // DMA write: breaks COW through PRI
        Verify(a, r13, Page, Page, ChildPattern);
        a.mov(edi, r15d);
        Sys(a, 60);

        a.Label(ref path);
        a.db("/dev/sva0\0"u8.ToArray());
        a.Label(ref passed);
        a.db(System.Text.Encoding.ASCII.GetBytes(Passed));
        a.Label(ref failedText);
        a.db(System.Text.Encoding.ASCII.GetBytes(Failed));
    }

    private static void Sys(Assembler a, int nr)
    {
        a.mov(eax, nr);
        a.syscall();
    }

    /// <summary>Counts a failed check unless <paramref name="jumpIfOk"/> jumps.</summary>
    private static void Expect(Assembler a, Action<Label> jumpIfOk)
    {
        var ok = a.CreateLabel();
        jumpIfOk(ok);
        a.inc(r15);
        a.Label(ref ok);
    }

    private static void Bind(Assembler a)
    {
        a.mov(rdi, r14);
        a.mov(esi, SvaBind);
        a.xor(edx, edx);
        Sys(a, 16);
        a.cmp(rax, 0);
        Expect(a, ok => a.jg(ok));
    }

    private static void Mmap(Assembler a, int length)
    {
        a.xor(edi, edi);
        a.mov(esi, length);
        a.mov(edx, 3);
        a.mov(r10d, 0x22); // MAP_PRIVATE | MAP_ANONYMOUS
        a.mov(r8, -1L);
        a.xor(r9d, r9d);
        Sys(a, 9);
        a.cmp(rax, -4095);
        Expect(a, ok => a.jb(ok));
    }

    private static void Print(Assembler a, Label text, int length)
    {
        a.mov(edi, 1);
        a.lea(rsi, __[text]);
        a.mov(edx, length);
        Sys(a, 1);
    }

    /// <summary>Writes a descriptor at rbx, zeroes the completion at rbx+64, SVA_SUBMITs it and
    /// checks the ioctl returned 0 and the completion's status.</summary>
    private static void Submit(Assembler a, uint op, AssemblerRegister64? src, AssemblerRegister64 dst, int length, ulong pattern, uint expectStatus = 1)
    {
        a.mov(__dword_ptr[rbx], (int)op);
        a.mov(__dword_ptr[rbx + 4], 0);
        if (src is { } s)
        {
            a.mov(__qword_ptr[rbx + 8], s);
        }
        else
        {
            a.mov(__qword_ptr[rbx + 8], 0);
        }
        a.mov(__qword_ptr[rbx + 16], dst);
        a.mov(__qword_ptr[rbx + 24], length);
        a.mov(rax, pattern);
        a.mov(__qword_ptr[rbx + 32], rax);
        a.lea(rax, __[rbx + 64]);
        a.mov(__qword_ptr[rbx + 40], rax);
        for (int off = 48; off < 96; off += 8)
        {
            a.mov(__qword_ptr[rbx + off], 0);
        }
        a.mov(rdi, r14);
        a.mov(esi, SvaSubmit);
        a.mov(rdx, rbx);
        Sys(a, 16);
        a.test(rax, rax);
        Expect(a, ok => a.je(ok));
        a.cmp(__dword_ptr[rbx + 64], (int)expectStatus);
        Expect(a, ok => a.je(ok));
    }

    /// <summary>Checks every qword of [<paramref name="buffer"/> + <paramref name="offset"/>, + <paramref name="length"/>) is <paramref name="pattern"/>.</summary>
    private static void Verify(Assembler a, AssemblerRegister64 buffer, int offset, int length, ulong pattern)
    {
        var loop = a.CreateLabel();
        var done = a.CreateLabel();
        a.lea(rcx, __[buffer + offset]);
        a.lea(rdx, __[buffer + offset + length]);
        a.mov(rax, pattern);
        a.Label(ref loop);
        var bad = a.CreateLabel();
        a.cmp(__qword_ptr[rcx], rax);
        a.jne(bad);
        a.add(rcx, 8);
        a.cmp(rcx, rdx);
        a.jb(loop);
        a.jmp(done);
        a.Label(ref bad);
        a.inc(r15); // one failure per buffer is enough
        a.Label(ref done);
    }
}

using System.Diagnostics;
using System.Text;

namespace Emulator.Tests.Cpu.SimdInteger;

/// <summary>
/// Runs instructions on the host processor: a gcc-built probe reads records of (instruction bytes,
/// <see cref="SimdState"/> image) on stdin, copies the bytes followed by <c>ret</c> into an executable
/// page, loads every YMM register, eight GPRs, RFLAGS and RSI = RDI = the memory buffer, calls the
/// bytes, and writes the state back. The same images go to the emulator, so the two are compared
/// byte for byte.
/// </summary>
internal static class SimdHost
{
    private const string Probe = """
        #include <stdint.h>
        #include <stdio.h>
        #include <string.h>
        #include <sys/mman.h>
        struct st { uint8_t ymm[16][32]; uint64_t gpr[8]; uint64_t flags; uint64_t pad[7]; uint8_t mem[128]; };
        _Static_assert(sizeof(struct st) == 768, "layout of SimdState.ToBytes");
        void run_case(struct st *s, void *code);
        __asm__(".text\n.globl run_case\nrun_case:\n"
            "push %rbx\npush %rbp\npush %r12\npush %r13\npush %r14\npush %r15\n"
            "mov %rdi,%r15\nmov %rsi,%r14\n"
            YMM_LOADS
            "mov 512(%r15),%rax\nmov 520(%r15),%rcx\nmov 528(%r15),%rdx\nmov 536(%r15),%rbx\n"
            "mov 544(%r15),%r8\nmov 552(%r15),%r9\nmov 560(%r15),%r10\nmov 568(%r15),%r11\n"
            "lea 640(%r15),%rsi\nmov %rsi,%rdi\n"
            "pushq 576(%r15)\npopfq\n"
            "call *%r14\n"
            "pushfq\npopq 576(%r15)\ncld\n"
            "mov %rax,512(%r15)\nmov %rcx,520(%r15)\nmov %rdx,528(%r15)\nmov %rbx,536(%r15)\n"
            "mov %r8,544(%r15)\nmov %r9,552(%r15)\nmov %r10,560(%r15)\nmov %r11,568(%r15)\n"
            YMM_STORES
            "vzeroupper\n"
            "pop %r15\npop %r14\npop %r13\npop %r12\npop %rbp\npop %rbx\nret\n");
        static struct st s __attribute__((aligned(64)));
        int main(void)
        {
            unsigned char *page = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            unsigned char rec[16];
            if (page == MAP_FAILED)
                return 2;
            while (fread(rec, 1, 16, stdin) == 16 && fread(&s, 1, sizeof s, stdin) == sizeof s) {
                memcpy(page, rec + 1, rec[0]);
                page[rec[0]] = 0xc3;
                run_case(&s, page);
                fwrite(&s, 1, sizeof s, stdout);
            }
            return 0;
        }
        """;

    /// <summary>Runs each (bytes, state) on the host and returns the states after.</summary>
    public static SimdState[] Run(IReadOnlyList<(byte[] Code, SimdState Input)> cases)
    {
        string dir = Directory.CreateTempSubdirectory("simd-probe-").FullName;
        try
        {
            string src = Path.Combine(dir, "probe.c"), exe = Path.Combine(dir, "probe");
            var loads = new StringBuilder();
            var stores = new StringBuilder();
            for (int n = 0; n < 16; n++)
            {
                loads.Append($"\"vmovdqu {32 * n}(%r15),%ymm{n}\\n\" ");
                stores.Append($"\"vmovdqu %ymm{n},{32 * n}(%r15)\\n\" ");
            }
            File.WriteAllText(src, Probe.Replace("YMM_LOADS", loads.ToString(), StringComparison.Ordinal)
                .Replace("YMM_STORES", stores.ToString(), StringComparison.Ordinal));
            Exec(GccFactAttribute.GccPath()!, $"-O1 -o {exe} {src}", []);
            var input = new MemoryStream();
            foreach (var (code, state) in cases)
            {
                var rec = new byte[16];
                rec[0] = (byte)code.Length;
                code.CopyTo(rec, 1);
                input.Write(rec);
                input.Write(state.ToBytes());
            }
            byte[] output = Exec(exe, "", input.ToArray());
            Assert.True(output.Length == cases.Count * SimdState.ImageSize,
                $"the probe returned {output.Length} bytes for {cases.Count} cases (it crashed at case {output.Length / SimdState.ImageSize}?)");
            var states = new SimdState[cases.Count];
            for (int k = 0; k < states.Length; k++)
            {
                states[k] = SimdState.FromBytes(output.AsSpan(k * SimdState.ImageSize, SimdState.ImageSize));
            }
            return states;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static byte[] Exec(string file, string args, byte[] stdin)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        var stdout = new MemoryStream();
        Task copy = p.StandardOutput.BaseStream.CopyToAsync(stdout);
        p.StandardInput.BaseStream.Write(stdin);
        p.StandardInput.Close();
        copy.Wait();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {args} exited {p.ExitCode}: {err.Result}");
        return stdout.ToArray();
    }
}

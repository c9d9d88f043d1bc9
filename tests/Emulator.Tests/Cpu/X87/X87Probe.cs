using System.Diagnostics;
using System.Globalization;
using System.Text;
using Emulator.Core.Cpu;
using Emulator.Tests.Mm;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Emulator.Tests.Cpu.X87;

/// <summary>
/// Runs one x87 instruction form from a given state (<see cref="X87Inputs"/>) on the emulator or on
/// the host processor: FRSTOR the state, load RFLAGS, execute the form (memory operand at [rsi]), save
/// RFLAGS and RAX, FNSAVE the result. The bytes are the same on both sides; only the last instruction
/// differs (<c>syscall</c> ends the emulator's run, <c>ret</c> returns to the host's C driver).
/// </summary>
internal static class X87Probe
{
    public static byte[] Code(string form, bool host, ulong va = 0)
    {
        var a = new Assembler(64);
        a.frstor(__[rdi]);
        a.push(__qword_ptr[rdi + 0x70]);
        a.popfq();
        a.mov(rax, __qword_ptr[rdi + 0x78]);
        X87Forms.Emit(a, form);
        a.pushfq();
        a.pop(__qword_ptr[rdi + 0x80]);
        a.mov(__qword_ptr[rdi + 0x88], rax);
        a.fnsave(__[rdi + 0x90]);
        if (host)
        {
            a.ret();
        }
        else
        {
            a.syscall();
        }
        var ms = new MemoryStream();
        a.Assemble(new StreamCodeWriter(ms), va);
        return ms.ToArray();
    }

    /// <summary>Runs probes on the emulator, one vCPU per form (code loaded once).</summary>
    public sealed class Emulator
    {
        private readonly Dictionary<string, (CpuRig Rig, ulong Va)> _rigs = new(StringComparer.Ordinal);

        /// <summary>The I/O block after the probe ran, or the exit that stopped it early.</summary>
        public byte[] Run(string form, X87Inputs inputs, out CpuExit exit)
        {
            if (!_rigs.TryGetValue(form, out var r))
            {
                var rig = new CpuRig(stackPages: 1);
                ulong va = rig.Load(a => a.db(Code(form, host: false, CpuRig.CodeVa)));
                MmKit.MapAt(rig.Mm, CpuRig.DataVa, 1);
                r = (rig, va);
                _rigs[form] = r;
            }
            byte[] io = inputs.ToIo();
            Assert.Equal(Core.Errno.Ok, r.Rig.Mm.WriteUser(CpuRig.DataVa, io, out _));
            r.Rig.S.Rip = r.Va;
            r.Rig.S.Rsp = CpuRig.StackTop;
            r.Rig.S.Rdi = CpuRig.DataVa;
            r.Rig.S.Rsi = CpuRig.DataVa + X87Inputs.MemOffset;
            exit = r.Rig.RunToExit(100);
            Assert.Equal(Core.Errno.Ok, r.Rig.Mm.ReadUser(CpuRig.DataVa, io, out _));
            return io;
        }
    }

    /// <summary>Runs every (form, inputs) pair on the host processor in one gcc-built program; returns
    /// each I/O block afterwards.</summary>
    public static List<byte[]> RunOnHost(IReadOnlyList<(string Form, X87Inputs Inputs)> cases)
    {
        var forms = cases.Select(c => c.Form).Distinct(StringComparer.Ordinal).ToList();
        var index = forms.Select((f, k) => (f, k)).ToDictionary(p => p.f, p => p.k, StringComparer.Ordinal);
        string dir = Directory.CreateTempSubdirectory("x87-host-").FullName;
        try
        {
            string src = Path.Combine(dir, "probe.c"), exe = Path.Combine(dir, "probe"), input = Path.Combine(dir, "in.bin");
            File.WriteAllText(src, HostProgram(forms));
            using (var f = File.Create(input))
            {
                foreach (var (form, inputs) in cases)
                {
                    f.Write(BitConverter.GetBytes(index[form]));
                    f.Write(inputs.ToIo());
                }
            }
            Exec(GccFactAttribute.GccPath()!, $"-O1 -o {exe} {src}", null);
            byte[] output = Exec(exe, input, null);
            Assert.Equal(cases.Count * X87Inputs.IoSize, output.Length);
            var results = new List<byte[]>(cases.Count);
            for (int k = 0; k < cases.Count; k++)
            {
                results.Add(output.AsSpan(k * X87Inputs.IoSize, X87Inputs.IoSize).ToArray());
            }
            return results;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Runs <paramref name="code"/> (a function ending in <c>ret</c>, called with RDI = a
    /// 64-byte-aligned copy of <paramref name="io"/>) on the host; returns the block afterwards.</summary>
    public static byte[] RunBlockOnHost(byte[] code, byte[] io)
    {
        string dir = Directory.CreateTempSubdirectory("x87-block-").FullName;
        try
        {
            string src = Path.Combine(dir, "block.c"), exe = Path.Combine(dir, "block"), input = Path.Combine(dir, "in.bin");
            File.WriteAllBytes(input, io);
            string bytes = string.Join(",", code.Select(b => $"0x{b:x2}"));
            File.WriteAllText(src, $$"""
                #include <stdio.h>
                __asm__(".text\n.globl block\nblock:\n.byte {{bytes}}\n");
                void block(unsigned char *);
                static unsigned char io[{{io.Length}}] __attribute__((aligned(64)));
                int main(int argc, char **argv) {
                    FILE *in = fopen(argv[1], "rb");
                    if (!in || fread(io, sizeof io, 1, in) != 1) return 2;
                    block(io);
                    fwrite(io, sizeof io, 1, stdout);
                    return 0;
                }
                """);
            Exec(GccFactAttribute.GccPath()!, $"-O1 -o {exe} {src}", null);
            return Exec(exe, input, null);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>One assembly function per form; main reads (form index, I/O block) records from the
    /// file named by argv[1], runs each and writes the blocks to stdout.</summary>
    private static string HostProgram(List<string> forms)
    {
        var sb = new StringBuilder();
        sb.AppendLine("#include <stdio.h>\n#include <string.h>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"#define IO {X87Inputs.IoSize}");
        for (int k = 0; k < forms.Count; k++)
        {
            string bytes = string.Join(",", Code(forms[k], host: true).Select(b => $"0x{b:x2}"));
            sb.AppendLine(CultureInfo.InvariantCulture, $"__asm__(\".text\\n.globl form{k}\\nform{k}:\\n.byte {bytes}\\n\");");
            sb.AppendLine(CultureInfo.InvariantCulture, $"void form{k}(unsigned char *, unsigned char *);");
        }
        sb.Append("static void (*const forms[])(unsigned char *, unsigned char *) = {");
        sb.Append(string.Join(",", Enumerable.Range(0, forms.Count).Select(k => $"form{k}")));
        sb.AppendLine("};");
        sb.AppendLine("""
            int main(int argc, char **argv) {
                FILE *in = fopen(argv[1], "rb");
                if (!in) return 2;
                static unsigned char io[IO] __attribute__((aligned(64)));
                int form;
                while (fread(&form, 4, 1, in) == 1 && fread(io, IO, 1, in) == 1) {
                    forms[form](io, io + 0x100);
                    fwrite(io, IO, 1, stdout);
                }
                return 0;
            }
            """);
        return sb.ToString();
    }

    private static byte[] Exec(string file, string args, string? stdin)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        var ms = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(ms);
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {args} exited {p.ExitCode}: {err.Result}");
        return ms.ToArray();
    }
}

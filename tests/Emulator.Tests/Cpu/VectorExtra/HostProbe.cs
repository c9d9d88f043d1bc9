using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Emulator.Tests.Cpu.VectorExtra;

/// <summary>
/// Runs instructions on the host processor: a gcc-built C program with one assembly function per
/// distinct instruction, each loading a <see cref="ProbeState"/> (YMM0–15, MM0–7, the GPRs, RFLAGS),
/// executing the instruction's bytes and storing the state back. Inputs and outputs travel as binary
/// images (<see cref="ProbeState.ToBytes"/>), so thousands of cases cost one compile. Only cases that
/// do not fault may be run: a fault kills the probe.
/// </summary>
internal static class HostProbe
{
    /// <summary>Runs each (code, input) pair on the host and returns the final states in order.</summary>
    public static ProbeState[] Run(IReadOnlyList<(byte[] Code, ProbeState Input)> cases)
    {
        var functions = new Dictionary<string, int>();
        var order = new List<byte[]>();
        var index = new int[cases.Count];
        for (int k = 0; k < cases.Count; k++)
        {
            string key = Convert.ToHexString(cases[k].Code);
            if (!functions.TryGetValue(key, out int f))
            {
                f = functions.Count;
                functions[key] = f;
                order.Add(cases[k].Code);
            }
            index[k] = f;
        }
        string dir = Path.Combine(Path.GetTempPath(), $"cpu-vx-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string src = Path.Combine(dir, "probe.c"), exe = Path.Combine(dir, "probe");
            string inPath = Path.Combine(dir, "in.bin"), outPath = Path.Combine(dir, "out.bin");
            File.WriteAllText(src, Program(order));
            Exec(GccFactAttribute.GccPath()!, $"-O1 -o {exe} {src}");
            using (var f = File.Create(inPath))
            {
                for (int k = 0; k < cases.Count; k++)
                {
                    f.Write(BitConverter.GetBytes((ulong)index[k]));
                    f.Write(cases[k].Input.ToBytes());
                }
            }
            Exec(exe, $"{inPath} {outPath}");
            byte[] all = File.ReadAllBytes(outPath);
            Assert.Equal(cases.Count * ProbeState.ImageSize, all.Length);
            var results = new ProbeState[cases.Count];
            for (int k = 0; k < cases.Count; k++)
            {
                results[k] = ProbeState.FromBytes(all.AsSpan(k * ProbeState.ImageSize, ProbeState.ImageSize));
            }
            return results;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>True when /proc/cpuinfo lists every flag in <paramref name="flags"/> (Linux names:
    /// bmi1, bmi2, avx2, sse4_2, ...).</summary>
    public static bool HostHas(params string[] flags)
    {
        if (!File.Exists("/proc/cpuinfo"))
        {
            return false;
        }
        string line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal)) ?? "";
        var have = line.Split(' ', ':', '\t').ToHashSet();
        return flags.All(have.Contains);
    }

    private static readonly string[] Gprs =
        ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];

    private static string Program(List<byte[]> functions)
    {
        var sb = new StringBuilder();
        sb.AppendLine("#include <stdio.h>\n#include <stdint.h>");
        sb.AppendLine("struct st { uint64_t gpr[16]; uint64_t fl, pad; uint8_t ymm[16][32]; uint64_t mm[8]; uint8_t pad2[48]; uint8_t mem[512]; } __attribute__((aligned(64)));");
        sb.AppendLine("_Static_assert(sizeof(struct st) == 1280, \"layout\");");
        for (int f = 0; f < functions.Count; f++)
        {
            var a = new StringBuilder();
            a.Append(CultureInfo.InvariantCulture, $".text\\n.globl f{f}\\nf{f}:\\n");
            a.Append("push %rbx\\npush %rbp\\npush %r12\\npush %r13\\npush %r14\\npush %r15\\nmov %rdi,%r15\\n");
            for (int k = 0; k < 16; k++)
            {
                a.Append(CultureInfo.InvariantCulture, $"vmovdqu {ProbeState.YmmOffset + 32 * k}(%r15),%ymm{k}\\n");
            }
            for (int k = 0; k < 8; k++)
            {
                a.Append(CultureInfo.InvariantCulture, $"movq {ProbeState.MmOffset + 8 * k}(%r15),%mm{k}\\n");
            }
            a.Append(CultureInfo.InvariantCulture, $"pushq {ProbeState.FlagsOffset}(%r15)\\n");
            for (int k = 0; k < 15; k++)
            {
                if (k != 4)
                {
                    a.Append(CultureInfo.InvariantCulture, $"mov {8 * k}(%r15),%{Gprs[k]}\\n");
                }
            }
            a.Append("popfq\\n");
            a.Append(".byte ").Append(string.Join(",", functions[f].Select(b => $"0x{b:x2}"))).Append("\\n");
            a.Append(CultureInfo.InvariantCulture, $"pushfq\\npopq {ProbeState.FlagsOffset}(%r15)\\n");
            for (int k = 0; k < 15; k++)
            {
                if (k != 4)
                {
                    a.Append(CultureInfo.InvariantCulture, $"mov %{Gprs[k]},{8 * k}(%r15)\\n");
                }
            }
            for (int k = 0; k < 16; k++)
            {
                a.Append(CultureInfo.InvariantCulture, $"vmovdqu %ymm{k},{ProbeState.YmmOffset + 32 * k}(%r15)\\n");
            }
            for (int k = 0; k < 8; k++)
            {
                a.Append(CultureInfo.InvariantCulture, $"movq %mm{k},{ProbeState.MmOffset + 8 * k}(%r15)\\n");
            }
            a.Append("emms\\nvzeroupper\\ncld\\npop %r15\\npop %r14\\npop %r13\\npop %r12\\npop %rbp\\npop %rbx\\nret\\n");
            sb.Append("__asm__(\"").Append(a).AppendLine("\");");
            sb.AppendLine(CultureInfo.InvariantCulture, $"void f{f}(struct st *);");
        }
        sb.Append("static void (*const fns[])(struct st *) = {");
        sb.Append(string.Join(",", Enumerable.Range(0, functions.Count).Select(f => $"f{f}")));
        sb.AppendLine("};");
        sb.AppendLine("""
            static struct st s;
            int main(int argc, char **argv) {
              FILE *in = fopen(argv[1], "rb"), *out = fopen(argv[2], "wb");
              uint64_t fn;
              if (!in || !out) return 2;
              while (fread(&fn, 8, 1, in) == 1) {
                if (fread(&s, sizeof s, 1, in) != 1) return 3;
                s.gpr[6] += (uint64_t)s.mem;
                s.gpr[7] += (uint64_t)s.mem;
                fns[fn](&s);
                s.gpr[6] -= (uint64_t)s.mem;
                s.gpr[7] -= (uint64_t)s.mem;
                fwrite(&s, sizeof s, 1, out);
              }
              fclose(out);
              return 0;
            }
            """);
        return sb.ToString();
    }

    private static void Exec(string file, string args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {args} exited {p.ExitCode}: {err.Result}{stdout}");
    }
}

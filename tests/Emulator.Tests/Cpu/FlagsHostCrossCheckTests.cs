using System.Diagnostics;
using System.Globalization;
using System.Text;
using Emulator.Core.Cpu;
using Xunit.Abstractions;

namespace Emulator.Tests.Cpu;

/// <summary>
/// Runs every non-faulting case of <c>Data/flags.txt</c> on the host processor (the same instruction
/// bytes, in a generated C program with inline assembly, compiled with gcc) and checks the table's
/// expectations against it: results and SDM-defined flags must agree. Together with
/// <see cref="FlagsTableTests"/> this proves emulator = table = silicon for those cases. Undefined
/// flags differ between vendors, so they are only reported, not asserted.
/// </summary>
public sealed class FlagsHostCrossCheckTests(ITestOutputHelper output)
{
    [GccFact]
    public void Table_matches_the_host_processor()
    {
        var cases = FlagCase.Load(FlagsTableTests.DataPath).Where(c => !c.DivideError).ToList();
        string dir = Path.Combine(Path.GetTempPath(), $"cpu-flags-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string src = Path.Combine(dir, "flags.c");
            string exe = Path.Combine(dir, "flags");
            File.WriteAllText(src, Program(cases));
            Run(GccFactAttribute.GccPath()!, $"-O0 -o {exe} {src}", out string gccOut);
            Run(exe, "", out string stdout);
            var results = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(' '))
                .ToDictionary(p => int.Parse(p[0], CultureInfo.InvariantCulture), p => (Rax: Hex(p[1]), Rdx: Hex(p[2]), Flags: Hex(p[3]), Rcx: Hex(p[4])));
            var failures = new List<string>();
            int undefinedDiffs = 0;
            foreach (var c in cases)
            {
                var host = results[c.Line];
                ulong defined = FlagForms.Defined(c);
                if (host.Rax != c.ExpectRax)
                {
                    failures.Add($"{c}: rax table {c.ExpectRax:x} host {host.Rax:x}");
                }
                if (c.ExpectRdx is ulong rdx && rdx != host.Rdx)
                {
                    failures.Add($"{c}: rdx table {rdx:x} host {host.Rdx:x}");
                }
                if (c.ExpectRcx is ulong rcx && rcx != host.Rcx)
                {
                    failures.Add($"{c}: rcx table {rcx:x} host {host.Rcx:x}");
                }
                if (((host.Flags ^ c.ExpectFlags) & defined) != 0)
                {
                    failures.Add($"{c}: flags table {(RFlags)(c.ExpectFlags & defined)} host {(RFlags)(host.Flags & defined)}");
                }
                ulong undefinedDiff = (host.Flags ^ c.ExpectFlags) & (ulong)RFlags.Status & ~defined;
                if (undefinedDiff != 0)
                {
                    undefinedDiffs++;
                    output.WriteLine($"{c}: undefined flags differ from this host ({(RFlags)undefinedDiff}); host {(RFlags)(host.Flags & (ulong)RFlags.Status)}");
                }
            }
            output.WriteLine($"{cases.Count} cases run on the host; {undefinedDiffs} differ only in undefined flags");
            Assert.True(failures.Count == 0, string.Join("\n", failures));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static ulong Hex(string s) => ulong.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>One assembly function per case (inputs and outputs through a struct pointed to by
    /// RDI) and a main that prints <c>line rax rdx rflags rcx</c>. The epilogue clears DF (a popfq
    /// case may set it) before returning to C, which requires it clear.</summary>
    private static string Program(List<FlagCase> cases)
    {
        var sb = new StringBuilder();
        sb.AppendLine("#include <stdio.h>");
        sb.AppendLine("struct io { unsigned long rax, rcx, rdx, fl; };");
        foreach (var c in cases)
        {
            string bytes = string.Join(",", FlagForms.Encode(c, 0).Select(b => $"0x{b:x2}"));
            string fn = $"__asm__(\".text\\n.globl case{c.Line}\\ncase{c.Line}:\\n" +
                "mov (%rdi),%rax\\nmov 8(%rdi),%rcx\\nmov 16(%rdi),%rdx\\npushq 24(%rdi)\\npopfq\\n" +
                $".byte {bytes}\\n" +
                "pushfq\\npopq 24(%rdi)\\ncld\\nmov %rax,(%rdi)\\nmov %rcx,8(%rdi)\\nmov %rdx,16(%rdi)\\nret\\n\");";
            sb.AppendLine(fn);
            sb.AppendLine(CultureInfo.InvariantCulture, $"void case{c.Line}(struct io *);");
        }
        sb.AppendLine("int main(void) {");
        sb.AppendLine("  struct io s;");
        foreach (var c in cases)
        {
            ulong fl = (ulong)RFlags.InitialUser | c.FlagsIn;
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"  s.rax = 0x{c.Rax:x}UL; s.rcx = 0x{c.Rcx:x}UL; s.rdx = 0x{c.Rdx:x}UL; s.fl = 0x{fl:x}UL; case{c.Line}(&s);");
            sb.AppendLine(CultureInfo.InvariantCulture, $"  printf(\"{c.Line} %lx %lx %lx %lx\\n\", s.rax, s.rdx, s.fl, s.rcx);");
        }
        sb.AppendLine("  return 0;\n}");
        return sb.ToString();
    }

    private static void Run(string file, string args, out string stdout)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {args} exited {p.ExitCode}: {err.Result}");
    }
}

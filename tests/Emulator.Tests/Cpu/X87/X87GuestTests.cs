using Emulator.Tests.Kernel;
using Emulator.Tests.Kernel.Sys;

namespace Emulator.Tests.Cpu.X87;

/// <summary>
/// A C guest (<c>Guests/x87math.c</c>, <c>gcc -static -nostdlib -mno-sse</c>: every floating-point
/// operation is x87) computing long double values the way libc does (libm's x87 sequences for exp,
/// log, sin, tan, pow, fmod, atan2, sqrt; musl-style %Le printing; every rounding mode; the integer
/// and float/double conversions gcc emits) and printing them in hex and decimal. The same static
/// binary runs natively and on the emulated kernel. Every line must be identical, except that a value
/// produced by a transcendental instruction (the exp, log, sin, tan, pow and atan2 lines) may be 1 ulp
/// away where this host's result is not the correctly rounded one (<see cref="X87Tolerance"/>); the
/// number of such lines is printed and bounded.
/// </summary>
public sealed class X87GuestTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static string GuestSource => Path.Combine(Trace.CorpusTests.RepoRoot(), "tests", "Emulator.Tests", "Cpu", "X87", "Guests", "x87math.c");

    [Kernel.GccFact]
    public void Long_double_math_prints_exactly_what_it_prints_natively()
    {
        string exe = Build();
        string native = Gcc.Run(exe, "");
        var rig = new GuestRig(device: false);

        var r = rig.Run(File.ReadAllBytes(exe));

        Assert.True(r.Init!.WaitStatus == 0, $"{r.Init}\n{rig.Out}");
        string[] want = native.Split('\n'), got = rig.Out.Split('\n');
        Assert.Equal(want.Length, got.Length);
        int oneUlp = 0;
        for (int k = 0; k < want.Length; k++)
        {
            if (want[k] == got[k])
            {
                continue;
            }
            Assert.True(IsTranscendental(want[k]) && WithinOneUlp(want[k], got[k]), $"line {k + 1}:\n  native   {want[k]}\n  emulator {got[k]}");
            output.WriteLine($"1 ulp: native {want[k]}\n       emulator {got[k]}");
            oneUlp++;
        }
        output.WriteLine($"{want.Length} lines, {oneUlp} transcendental results 1 ulp from the host's");
        Assert.True(oneUlp <= 4, $"{oneUlp} lines differ by 1 ulp");    // the rest (all non-transcendental lines too) identical
        Assert.Contains("exp0 = 4000:adf85458a2bb4a9b 2.71828182845904523541e+00\n", rig.Out); // e, correctly rounded
        Assert.Contains("pi = 4000:c90fdaa22168c235", rig.Out);
        Assert.True(r.Instructions > 300_000, $"{r.Instructions} instructions"); // it did the work (about 520 000)
    }

    private static bool IsTranscendental(string line) =>
        line.StartsWith("exp", StringComparison.Ordinal) || line.StartsWith("log", StringComparison.Ordinal)
        || line.StartsWith("sin", StringComparison.Ordinal) || line.StartsWith("tan", StringComparison.Ordinal)
        || line.StartsWith("pow", StringComparison.Ordinal) || line.StartsWith("atan2", StringComparison.Ordinal);

    /// <summary>"name = SEEE:SSSS decimal": the same name and sign/exponent, significands 1 apart.</summary>
    private static bool WithinOneUlp(string a, string b)
    {
        string[] x = a.Split(' '), y = b.Split(' ');
        if (x.Length < 3 || y.Length < 3 || x[0] != y[0])
        {
            return false;
        }
        var u = Core.Cpu.X87.Ext80.Parse(x[2]);
        var v = Core.Cpu.X87.Ext80.Parse(y[2]);
        return u.SignExponent == v.SignExponent && (u.Significand - v.Significand == 1 || v.Significand - u.Significand == 1);
    }

    /// <summary>Links tests/guests/crt/start.c (integer registers only, as the other guests) with the
    /// x87 guest compiled without SSE.</summary>
    private static string Build()
    {
        string dir = Directory.CreateTempSubdirectory("x87-guest-").FullName;
        string crt = Path.Combine(GuestGcc.GuestsDir, "crt"), inc = Path.Combine(GuestGcc.GuestsDir, "include");
        string common = $"-static -nostdlib -fno-pic -no-pie -O2 -fno-stack-protector -fcf-protection=none -fno-builtin -I {inc} -I {crt}";
        string start = Path.Combine(dir, "start.o"), math = Path.Combine(dir, "x87math.o"), exe = Path.Combine(dir, "x87math");
        Gcc.Run("gcc", $"{common} -mgeneral-regs-only -c {Path.Combine(crt, "start.c")} -o {start}");
        Gcc.Run("gcc", $"{common} -mno-sse -mno-mmx -c {GuestSource} -o {math}");
        Gcc.Run("gcc", $"-static -nostdlib -fno-pic -no-pie -o {exe} {start} {math} -lgcc");
        return exe;
    }
}
